import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A tiny local endpoint that speaks SSM's JSON 1.1 protocol for GetParameters only (POST /,
 * x-amz-target: AmazonSSM.GetParameters), so the bundled Lambda's real SDK client can be
 * pointed at it with AWS_ENDPOINT_URL_SSM. It counts the calls; GET /__calls reads the count
 * (the cold-start driver asks it between bursts). With `tls`, it serves HTTPS as SSM does: the SDK
 * then takes the same code path as against the real service (over plain HTTP it lazily imports
 * node:http on the first call, which SSM's HTTPS endpoint never makes it do).
 */

export interface SsmEndpoint {
  url: string;
  /** One entry per GetParameters call, with the time it arrived (ms since the epoch). */
  calls: number[];
  reset(): void;
  close(): Promise<void>;
}

export const SSM_PARAMETERS: Record<string, string> = {
  '/bench/sidecar-injector/version': '1.3.0',
  '/bench/sidecar-injector/image': 'my-org/my-sidecar',
};

export async function startSsmEndpoint(tls?: { cert: Buffer; key: Buffer }): Promise<SsmEndpoint> {
  const calls: number[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/__calls') return reply(res, 200, { count: calls.length });
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || target !== 'AmazonSSM.GetParameters') {
        return reply(res, 400, { __type: 'UnknownOperationException', message: `unsupported: ${req.method} ${String(target)}` });
      }
      calls.push(Date.now());
      let names: string[] = [];
      try {
        names = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Names?: string[] }).Names ?? [];
      } catch {
        return reply(res, 400, { __type: 'SerializationException', message: 'body is not JSON' });
      }
      const found = names.filter((n) => n in SSM_PARAMETERS);
      reply(res, 200, {
        Parameters: found.map((name) => ({
          Name: name,
          Type: 'String',
          Value: SSM_PARAMETERS[name],
          Version: 1,
          DataType: 'text',
          ARN: `arn:aws:ssm:eu-west-1:123456789012:parameter${name}`,
          LastModifiedDate: 1_700_000_000,
        })),
        InvalidParameters: names.filter((n) => !(n in SSM_PARAMETERS)),
      });
    });
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    calls,
    reset: () => {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': 'bench' });
  res.end(body);
}
