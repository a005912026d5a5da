import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deferred, type Deferred } from './deferred.ts';

/**
 * A small local endpoint speaking SSM's JSON 1.1 protocol for GetParameters, so the real
 * `@aws-sdk/client-ssm` client can be tested over real HTTP. It holds a parameter store,
 * records every call, and can be told to throttle, fail, or hold requests until released.
 */

export interface SsmCall {
  target: string;
  contentType: string;
  signed: boolean;
  names: string[];
  withDecryption: boolean | undefined;
}

/** How a GetParameters is answered. */
export type SsmBehaviour = { kind: 'ok' } | { kind: 'throttle' } | { kind: 'server-error' };

export interface FakeSsm {
  /** The endpoint to give the SDK (`endpoint` or AWS_ENDPOINT_URL_SSM). */
  url: string;
  calls: SsmCall[];
  /** Parameter name -> value; names absent here are reported in InvalidParameters. */
  parameters: Map<string, string>;
  /** Behaviour of every request while the queue below is empty. */
  behaviour: SsmBehaviour;
  /** One-shot behaviours, used in order before `behaviour`. */
  queue: SsmBehaviour[];
  /** Makes the requests from now on wait until the returned function is called; then each is answered by its behaviour. */
  hold(): () => void;
  /** Resolves once `count` calls have arrived (at once if they already have). */
  waitForCalls(count: number): Promise<void>;
  close(): Promise<void>;
}

export const TEST_REGION = 'eu-west-1';
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTESTTESTTESTTEST', secretAccessKey: 'test-secret-key-not-real' };

export async function startFakeSsm(initial: Record<string, string> = {}): Promise<FakeSsm> {
  const calls: SsmCall[] = [];
  const waiters: Array<{ count: number; done: Deferred<void> }> = [];
  const parameters = new Map(Object.entries(initial));
  const versions = new Map<string, number>();
  let gate: Promise<void> | undefined;

  const fake: FakeSsm = {
    url: '',
    calls,
    parameters,
    behaviour: { kind: 'ok' },
    queue: [],
    hold() {
      const held = deferred<void>();
      gate = held.promise;
      return () => {
        gate = undefined;
        held.resolve();
      };
    },
    waitForCalls(count) {
      if (calls.length >= count) return Promise.resolve();
      const done = deferred<void>();
      waiters.push({ count, done });
      return done.promise;
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { __type: 'InternalServerError', message: String(error) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    let body: { Names?: unknown; WithDecryption?: unknown } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      return send(res, 400, { __type: 'SerializationException', message: 'body is not JSON' });
    }
    const names = Array.isArray(body.Names) ? body.Names.map(String) : [];
    calls.push({
      target,
      contentType: String(req.headers['content-type'] ?? ''),
      signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
      names,
      withDecryption: typeof body.WithDecryption === 'boolean' ? body.WithDecryption : undefined,
    });
    for (const waiter of [...waiters]) {
      if (calls.length >= waiter.count) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done.resolve();
      }
    }
    if (req.method !== 'POST' || target !== 'AmazonSSM.GetParameters') {
      return send(res, 400, { __type: 'UnknownOperationException', message: `unsupported: ${req.method} ${target}` });
    }
    if (gate) await gate;
    const behaviour = fake.queue.shift() ?? fake.behaviour;
    if (behaviour.kind === 'throttle') return send(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    if (behaviour.kind === 'server-error') return send(res, 500, { __type: 'InternalServerError', message: 'internal failure' });

    const found: object[] = [];
    const invalid: string[] = [];
    for (const name of new Set(names)) {
      const value = parameters.get(name);
      if (value === undefined) {
        invalid.push(name);
        continue;
      }
      const version = versions.get(name) ?? 1;
      found.push({
        Name: name,
        Type: 'String',
        Value: value,
        Version: version,
        LastModifiedDate: 1_700_000_000,
        ARN: `arn:aws:ssm:${TEST_REGION}:123456789012:parameter${name.startsWith('/') ? '' : '/'}${name}`,
        DataType: 'text',
      });
    }
    send(res, 200, { Parameters: found, InvalidParameters: invalid });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': 'fake-request-id',
  });
  res.end(body);
}
