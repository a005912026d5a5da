import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

/** Plain HTTP(S) exchanges for server tests, and raw socket writes for what a client library will not send. */

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json(): any;
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  /** Send the body in these pieces with chunked transfer encoding (no content-length). */
  chunks?: Array<string | Buffer>;
  headers?: Record<string, string | number>;
  ca?: string | Buffer;
}

/**
 * One request; resolves with the answer as soon as it is complete. An error on the socket after
 * the answer arrived (the server closing a connection whose body it did not read) is ignored.
 */
export function send(url: string, options: RequestOptions = {}): Promise<HttpAnswer> {
  const target = new URL(url);
  const make = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] ??= Buffer.byteLength(options.body);
    if (options.chunks) headers['transfer-encoding'] = 'chunked';
    const req = make(
      target,
      { method: options.method ?? 'GET', headers, agent: false, ...(options.ca ? { ca: options.ca } : {}) },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          answered = true;
          const body = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', (error) => {
          if (!answered) reject(error);
        });
      },
    );
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

/**
 * Writes `text` on a fresh TCP connection, then optionally half-closes it (FIN) or drops it, and
 * resolves with everything the server sent once the connection is closed.
 */
export function rawExchange(port: number, text: string | Buffer, options: { halfClose?: boolean; destroyAfterWrite?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    const finish = () => resolve(Buffer.concat(parts).toString('latin1'));
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.on('connect', () => {
      socket.write(text, () => {
        if (options.destroyAfterWrite) socket.destroy();
        else if (options.halfClose) socket.end();
      });
    });
  });
}
