import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';

/**
 * A bearer token for an EKS cluster, as EKS documents it (and aws-iam-authenticator, `aws eks
 * get-token` make it): an STS GetCallerIdentity request, presigned with SigV4 for 60 seconds
 * with the header `x-k8s-aws-id: <cluster name>` among the signed headers, its URL encoded as
 * base64url without padding, prefixed with `k8s-aws-v1.`. The API server's authenticator sends
 * that request to STS and maps the role it answers to the access entry's Kubernetes groups.
 */

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
const EXPIRES_SECONDS = 60;

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** For tests: the signing time. */
  now?: Date;
}

export async function eksToken(options: EksTokenOptions): Promise<string> {
  const signer = new SignatureV4({
    service: 'sts',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const hostname = `sts.${options.region}.amazonaws.com`;
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, [CLUSTER_ID_HEADER]: options.clusterName },
    },
    { expiresIn: EXPIRES_SECONDS, ...(options.now ? { signingDate: options.now } : {}) },
  );
  const query = Object.entries(signed.query ?? {})
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return `${TOKEN_PREFIX}${Buffer.from(url, 'utf8').toString('base64url')}`;
}

/** The sha256 (and, given a secret, HMAC-SHA256) the signer needs, from node:crypto. */
class NodeSha256 implements Checksum {
  readonly #secret: Uint8Array | string | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytes(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret !== undefined ? createHmac('sha256', this.#secret) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
