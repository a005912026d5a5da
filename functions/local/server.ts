import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Runtime } from '../shell/runtime.ts';
import { DEFAULTS } from '../shell/settings.ts';

/**
 * The local adapter: the same review service as the Lambda, over Node's HTTP(S) server.
 * `POST /mutate[/<token>]` reviews, `GET /healthz` answers liveness. Bodies are read up to the
 * configured cap and no further; every failure is a JSON answer, and the server keeps serving.
 */

export interface ServerOptions {
  runtime: Runtime;
  host?: string;
  port?: number;
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Cap on the body read from the socket (defaults to the runtime's MAX_BODY_BYTES). */
  maxBodyBytes?: number;
}

export interface RunningServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const DEFAULT_CAP = Number(DEFAULTS.MAX_BODY_BYTES);

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { runtime } = options;
  const cap = options.maxBodyBytes ?? runtime.settings?.maxBodyBytes ?? DEFAULT_CAP;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res, runtime, cap).catch((error: unknown) => {
      runtime.telemetry.logger.error('unexpected error in the local server', { error: String(error) });
      if (!res.headersSent) send(res, 500, { error: 'internal error', status: 500 });
      else res.destroy();
    });
  };
  const server: Server = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createHttpServer(listener);
  // Bound every exchange: a client that sends slowly or never finishes cannot hold a socket.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8443, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, runtime: Runtime, cap: number): Promise<void> {
  // The path without the query (the API server appends ?timeout=10s); no URL object needed.
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (path === '/healthz') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'use GET /healthz', status: 405 });
    if (!runtime.settings) return send(res, 503, { status: 'misconfigured', error: 'the settings were rejected; see the logs' });
    return send(res, 200, { status: 'ok' });
  }
  if (path !== '/mutate' && !path.startsWith('/mutate/')) return send(res, 404, { error: `no route for ${path}: POST /mutate`, status: 404 });

  const body = await readBody(req, cap);
  if (body === 'aborted') {
    runtime.telemetry.logger.warn('client went away before sending the whole body', { path });
    return;
  }
  if (body === undefined) {
    runtime.telemetry.failed({ status: 413, error: `body over the limit of ${cap} bytes`, durationMs: 0 });
    res.setHeader('connection', 'close');
    return send(res, 413, { error: `body is over the limit of ${cap} bytes`, status: 413 });
  }
  const answer = await runtime.service.handle({ method: req.method ?? 'GET', path, body });
  runtime.telemetry.flush();
  res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

/**
 * The whole body; undefined as soon as it passes `cap` bytes (the rest is not read);
 * 'aborted' when the client goes away before the end.
 */
function readBody(req: IncomingMessage, cap: number): Promise<Buffer | undefined | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > cap) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', () => resolve('aborted'));
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
