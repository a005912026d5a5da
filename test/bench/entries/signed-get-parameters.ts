// A prototype, not shipped: the same GetParameters as sdk-get-parameters.ts, signed with SigV4
// (@smithy/signature-v4, already a dependency) and sent with node:https, without the SDK's
// client, credential chain or middleware. It measures what replacing @aws-sdk/client-ssm would
// buy at cold start (npm run bench, part 3), a decision for the team: the client is a chosen
// dependency. Credentials from the environment only (what Lambda gives a function).
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request } from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';

// Its own sha256 adapter, like eks-token.ts's: importing that module would bring the SDK's
// credential chain into this bundle and measure the SDK again.
class Sha256 implements Checksum {
  readonly #secret: SourceData | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret as string | Uint8Array);
  }
  update(data: SourceData): void {
    this.#hash.update(data as string | Uint8Array);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

async function getParameters(names: string[]): Promise<unknown> {
  const region = process.env.AWS_REGION ?? 'eu-west-1';
  const endpoint = new URL(process.env.AWS_ENDPOINT_URL_SSM ?? `https://ssm.${region}.amazonaws.com`);
  const body = JSON.stringify({ Names: names, WithDecryption: false });
  const signer = new SignatureV4({
    service: 'ssm',
    region,
    sha256: Sha256,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '', ...(process.env.AWS_SESSION_TOKEN ? { sessionToken: process.env.AWS_SESSION_TOKEN } : {}) },
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: '/',
    headers: { host: endpoint.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' },
    body,
  });
  return new Promise((resolve, reject) => {
    const req = request({ hostname: endpoint.hostname, port: endpoint.port || 443, method: 'POST', path: '/', headers: signed.headers, timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))) : reject(new Error(`SSM answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const read = getParameters([process.env.SSM_VERSION_PARAMETER ?? '', process.env.SSM_IMAGE_PARAMETER ?? '']);
read.catch(() => undefined);

export async function handler(): Promise<{ statusCode: number; body: string }> {
  const answer = (await read) as { Parameters?: unknown[] };
  return { statusCode: 200, body: JSON.stringify({ parameters: answer.Parameters?.length ?? 0 }) };
}
