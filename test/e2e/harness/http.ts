// A tiny bounded HTTP(S) GET for readiness probes (the harness's own checks, not the code under test).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface GetOptions {
  /** PEM CA to trust for https URLs. */
  ca?: string;
  headers?: Record<string, string>;
  /** Bound for the whole request (default 2 s). */
  timeoutMs?: number;
}

export interface GetResult {
  status: number;
  body: string;
}

export function httpGet(url: string, opts: GetOptions = {}): Promise<GetResult> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: 'GET', headers: opts.headers, ca: opts.ca, timeout: opts.timeoutMs ?? 2_000, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
