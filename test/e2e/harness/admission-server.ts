// A small HTTPS admission webhook inside the test process, for scenarios that need a second,
// scripted webhook next to ours (one that adds a container, one that is slow, one that records
// what the API server sent). It speaks admission.k8s.io/v1 and listens on 127.0.0.1 only.
import { createServer, type Server } from 'node:https';
import type { KeyPair } from './certs.ts';
import { LOOPBACK } from './ports.ts';
import { registerCleanup } from './process.ts';
import { withTimeout } from './wait.ts';

/** The parts of an AdmissionReview request this harness reads; the rest is passed through. */
export interface AdmissionRequest {
  uid: string;
  operation: string;
  namespace?: string;
  dryRun?: boolean;
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
  [key: string]: unknown;
}

/** What a handler decides; uid, apiVersion and kind are filled in by the server. */
export interface AdmissionDecision {
  allowed?: boolean;
  /** RFC 6902 operations; sent base64-encoded with patchType JSONPatch. */
  patch?: unknown[];
  status?: { code?: number; message?: string };
  warnings?: string[];
}

export interface AdmissionServerOptions {
  cert: KeyPair;
  /** Default: allow without a patch. */
  handle?: (request: AdmissionRequest, path: string) => AdmissionDecision | Promise<AdmissionDecision>;
}

export interface AdmissionServer {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  /**
   * Every request received, in order: the URL path, the raw URL (the API server appends
   * `?timeout=<timeoutSeconds>s` to the registered URL) and the AdmissionReview request.
   */
  received: Array<{ path: string; rawUrl: string; request: AdmissionRequest }>;
  close(): Promise<void>;
}

const MAX_BODY = 8 * 1024 * 1024;

export async function startAdmissionServer(opts: AdmissionServerOptions): Promise<AdmissionServer> {
  const received: AdmissionServer['received'] = [];
  const handle: NonNullable<AdmissionServerOptions['handle']> = opts.handle ?? (() => ({ allowed: true }));
  const server: Server = createServer({ cert: opts.cert.certPem, key: opts.cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const rawUrl = req.url ?? '/';
        const path = new URL(rawUrl, 'https://local').pathname;
        try {
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: AdmissionRequest };
          const request = review.request;
          if (!request) throw new Error('AdmissionReview without request');
          received.push({ path, rawUrl, request });
          const decision = await handle(request, path);
          const response: Record<string, unknown> = { uid: request.uid, allowed: decision.allowed ?? true };
          if (decision.patch) {
            response.patchType = 'JSONPatch';
            response.patch = Buffer.from(JSON.stringify(decision.patch)).toString('base64');
          }
          if (decision.status) response.status = decision.status;
          if (decision.warnings) response.warnings = decision.warnings;
          const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err));
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: LOOPBACK, port: 0 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | undefined;
  let unregister = (): void => undefined;
  const close = (): Promise<void> => {
    unregister();
    closing ??= withTimeout(
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
      10_000,
      'admission server close',
    );
    return closing;
  };
  unregister = registerCleanup(close);
  return { url: `https://${LOOPBACK}:${port}`, port, received, close };
}
