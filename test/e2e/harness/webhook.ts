// The project's own local webhook server (functions/local/server-main.ts, `npm start`) as a
// child process over HTTPS on 127.0.0.1, so the real API server can call it. It runs on the
// Node that runs the tests (v24 from the node@24 devDependency) with tsx as the loader.
import { join } from 'node:path';
import type { KeyPair } from './certs.ts';
import { httpGet } from './http.ts';
import { repoRoot } from './paths.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { childEnv, startProcess, type ManagedProcess } from './process.ts';

export interface WebhookServerOptions {
  /** Serving certificate; must be valid for IP 127.0.0.1 (makeCerts().webhook is). */
  cert: KeyPair;
  /** CA that signed `cert`, for the readiness probe. */
  caPem: string;
  /** Settings for the server (SSM parameter names, sidecar image, moto.env, ...). */
  env?: Record<string, string | undefined>;
  /** Default: a free port. Pass the old one to restart on the same URL. */
  port?: number;
  /** Default 60 s (tsx compiles on the first start). */
  readyTimeoutMs?: number;
}

export interface WebhookServer {
  /** https://127.0.0.1:<port> (append the path the webhook is registered with). */
  url: string;
  port: number;
  proc: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts the local webhook server; ready once GET /healthz gets any HTTP answer over TLS. */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const port = opts.port ?? (await freePort());
  const url = `https://${LOOPBACK}:${port}`;
  const proc = await startProcess({
    name: 'webhook',
    command: process.execPath,
    args: ['--import', 'tsx', join(repoRoot, 'functions', 'local', 'server-main.ts')],
    cwd: repoRoot,
    env: childEnv({
      ...opts.env,
      HOST: LOOPBACK,
      PORT: String(port),
      TLS_CERT_FILE: opts.cert.certFile,
      TLS_KEY_FILE: opts.cert.keyFile,
    }),
    readyTimeoutMs: opts.readyTimeoutMs ?? 60_000,
    ready: async () => (await httpGet(`${url}/healthz`, { ca: opts.caPem })).status > 0,
  });
  return { url, port, proc, stop: () => proc.stop() };
}
