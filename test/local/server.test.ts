import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../functions/local/server.ts';
import { createRuntime } from '../../functions/shell/runtime.ts';
import { cleanEnv, SERVER_MAIN, startChild } from '../support/child-process.ts';
import { deferred } from '../support/deferred.ts';
import { rawExchange, send, type HttpAnswer } from '../support/http-client.ts';
import { captureOutput, type CapturedOutput } from '../support/output-capture.ts';
import { applyAnswer, podReview, sampleReview } from '../support/reviews.ts';

// The local server over real HTTP on an ephemeral port, and `npm start`'s entry as a process.

const CAP = 4096;

let output: CapturedOutput;
beforeAll(() => {
  output = captureOutput();
});
afterAll(() => output.restore());

async function serve(env: Record<string, string> = {}, extra: { maxBodyBytes?: number; tls?: { cert: Buffer; key: Buffer } } = {}): Promise<RunningServer> {
  const runtime = createRuntime({ env: { POWERTOOLS_METRICS_DISABLED: 'true', ...env } });
  return startServer({ runtime, host: '127.0.0.1', port: 0, ...extra });
}

function portOf(server: RunningServer): number {
  return Number(new URL(server.url).port);
}

async function expectHealthy(server: RunningServer): Promise<void> {
  const health = await send(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  const review = sampleReview();
  const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(review) });
  expect(answer.status).toBe(200);
  expect(answer.json().response.uid).toBe(review.request.uid);
}

function expectJsonError(answer: HttpAnswer, status: number): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/json');
  expect(answer.json()).toEqual({ error: expect.any(String), status });
}

describe('startServer with rejected settings', () => {
  it('reports itself unhealthy and answers reviews with a 500 naming the problem', async () => {
    const server = await serve({ SIDECAR_PORT: 'eighty' });
    try {
      const health = await send(`${server.url}/healthz`);
      expect(health.status).toBe(503);
      const review = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(sampleReview()) });
      expect(review.status).toBe(500);
      expect(review.body).toContain('SIDECAR_PORT');
    } finally {
      await server.close();
    }
  });
});

describe('startServer over HTTP', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await serve({ MAX_BODY_BYTES: String(CAP) });
  });
  afterAll(() => server.close());

  it('listens on the loopback address it was given, on the port the kernel picked', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(portOf(server)).toBeGreaterThan(0);
  });

  it('answers GET and HEAD /healthz, and 405 to other methods there', async () => {
    const get = await send(`${server.url}/healthz`);
    expect(get.status).toBe(200);
    expect(get.json()).toEqual({ status: 'ok' });
    const head = await send(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expectJsonError(await send(`${server.url}/healthz`, { method: 'POST', body: '{}' }), 405);
  });

  it('reviews POST /mutate: the AdmissionReview envelope with a patch that applies', async () => {
    const review = sampleReview();
    const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
    const json = answer.json();
    expect(json).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch' } });
    const pod = applyAnswer(review.request.object, json);
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['app', 'my-sidecar']);

    const again = sampleReview();
    again.request.object = pod;
    const second = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(again) });
    expect(second.json().response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('accepts a query string and a sub-path under /mutate', async () => {
    expect((await send(`${server.url}/mutate?timeout=10s`, { method: 'POST', body: JSON.stringify(sampleReview()) })).status).toBe(200);
    expect((await send(`${server.url}/mutate/pods`, { method: 'POST', body: JSON.stringify(sampleReview()) })).status).toBe(200);
  });

  it('lets a DELETE through with no patch', async () => {
    const review = podReview(sampleReview().request.object, 'DELETE');
    const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(review) });
    expect(answer.json()).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } });
  });

  it.each(['/', '/mutatex', '/healthz/x', '/api/mutate', '/MUTATE'])('answers 404 with JSON for %s', async (path) => {
    expectJsonError(await send(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(sampleReview()) }), 404);
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers 405 to %s /mutate', async (method) => {
    const answer = await send(`${server.url}/mutate`, { method, body: method === 'GET' ? undefined : '{}' });
    expectJsonError(answer, 405);
    await expectHealthy(server);
  });

  it('answers 413 when content-length is over the cap, and keeps serving', async () => {
    const body = Buffer.alloc(200_000, 'x');
    const answer = await send(`${server.url}/mutate`, { method: 'POST', body });
    expectJsonError(answer, 413);
    expect(answer.json().error).toContain(String(CAP));
    expect(answer.headers.connection).toBe('close');
    await expectHealthy(server);
  });

  it('answers 413 to a chunked body that grows over the cap, and keeps serving', async () => {
    const chunks = Array.from({ length: 50 }, () => Buffer.alloc(1000, 'y'));
    const answer = await send(`${server.url}/mutate`, { method: 'POST', chunks });
    expectJsonError(answer, 413);
    await expectHealthy(server);
  });

  it('reads a body of exactly the cap, and rejects one byte more (both framings)', async () => {
    const review = sampleReview();
    const base = Buffer.byteLength(JSON.stringify(review));
    review.request.object.metadata.labels.padding = 'p'.repeat(CAP - base - ',"padding":""'.length);
    const exact = JSON.stringify(review);
    expect(Buffer.byteLength(exact)).toBe(CAP);
    expect((await send(`${server.url}/mutate`, { method: 'POST', body: exact })).status).toBe(200);
    expect((await send(`${server.url}/mutate`, { method: 'POST', chunks: [exact.slice(0, 1000), exact.slice(1000)] })).status).toBe(200);
    const over = `${exact} `;
    expect((await send(`${server.url}/mutate`, { method: 'POST', body: over })).status).toBe(413);
    expect((await send(`${server.url}/mutate`, { method: 'POST', chunks: [over.slice(0, 3000), over.slice(3000)] })).status).toBe(413);
  });

  it.each([
    ['garbage', 'hello, world'],
    ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80])],
    ['truncated JSON', JSON.stringify(sampleReview()).slice(0, 120)],
    ['an empty body', ''],
    ['a v1beta1 review', JSON.stringify({ ...sampleReview(), apiVersion: 'admission.k8s.io/v1beta1' })],
  ])('answers 400 with JSON to %s, and keeps serving', async (_label, body) => {
    expectJsonError(await send(`${server.url}/mutate`, { method: 'POST', body }), 400);
    await expectHealthy(server);
  });

  it('survives a body cut short by the client (content-length larger than what is sent)', async () => {
    const port = portOf(server);
    const partial = 'POST /mutate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"apiVersion":';
    await rawExchange(port, partial, { destroyAfterWrite: true });
    await expectHealthy(server);
  });

  it('survives a client that half-closes in the middle of the body', async () => {
    const port = portOf(server);
    const partial = 'POST /mutate HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"apiVersion":';
    const answer = await rawExchange(port, partial, { halfClose: true });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    await expectHealthy(server);
  });

  it('answers 400 to a request that is not HTTP, and keeps serving', async () => {
    const answer = await rawExchange(portOf(server), 'THIS IS NOT HTTP\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    const badHeader = await rawExchange(portOf(server), 'POST /mutate HTTP/1.1\r\nhost x\r\n\r\n');
    expect(badHeader).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    await expectHealthy(server);
  });

  it('serves many concurrent reviews', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const review = sampleReview();
        review.request.uid = `uid-${i}`;
        return send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(review) });
      }),
    );
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expect(answer.json().response.uid).toBe(`uid-${i}`);
    });
  });

  it('never logs the pod spec', async () => {
    output.clear();
    const secret = 'server-planted-secret-42c1';
    const pod = sampleReview().request.object;
    pod.spec.containers[0].env = [{ name: 'API_KEY', value: secret }];
    const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(podReview(pod)) });
    expect(answer.status).toBe(200);
    expect(output.text()).toContain('"review"');
    expect(output.text()).not.toContain(secret);
  });
});

describe('startServer options', () => {
  it('uses maxBodyBytes over the runtime setting', async () => {
    const server = await serve({}, { maxBodyBytes: 1024 });
    try {
      const review = JSON.stringify(sampleReview());
      expect(Buffer.byteLength(review)).toBeLessThan(1024);
      expect((await send(`${server.url}/mutate`, { method: 'POST', body: review })).status).toBe(200);
      expect((await send(`${server.url}/mutate`, { method: 'POST', body: Buffer.alloc(1025, 'a') })).status).toBe(413);
      // Chunked, one byte over: the server's own cap answers, not the service's (6 MiB) check.
      expect((await send(`${server.url}/mutate`, { method: 'POST', chunks: [Buffer.alloc(1000, 'a'), Buffer.alloc(25, 'a')] })).status).toBe(413);
      expect((await send(`${server.url}/mutate`, { method: 'POST', chunks: [Buffer.alloc(1000, 'a'), Buffer.alloc(24, 'a')] })).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('checks WEBHOOK_PATH_TOKEN on /mutate/<token>', async () => {
    const token = 'local-token-0123456789';
    const server = await serve({ WEBHOOK_PATH_TOKEN: token });
    try {
      const body = JSON.stringify(sampleReview());
      expectJsonError(await send(`${server.url}/mutate`, { method: 'POST', body }), 404);
      expectJsonError(await send(`${server.url}/mutate/wrong-token-0123456789`, { method: 'POST', body }), 404);
      expect((await send(`${server.url}/mutate/${token}`, { method: 'POST', body })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('with rejected settings, answers 500 JSON to every review', async () => {
    const server = await serve({ SIDECAR_CPU_LIMIT: 'a lot' });
    try {
      const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(sampleReview()) });
      expectJsonError(answer, 500);
      expect(answer.json().error).toContain('SIDECAR_CPU_LIMIT');
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const first = await serve();
    try {
      const runtime = createRuntime({ env: {} });
      await expect(startServer({ runtime, host: '127.0.0.1', port: portOf(first) })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('close() stops listening', async () => {
    const server = await serve();
    await expectHealthy(server);
    await server.close();
    await expect(send(`${server.url}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });
});

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('HTTPS', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    if (!haveOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'injector-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!haveOpenssl)('serves HTTPS with the given certificate and key (skipped without the openssl CLI)', async () => {
    const server = await serve({}, { tls: { cert, key } });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await send(`${server.url}/healthz`, { ca: cert });
      expect(health.json()).toEqual({ status: 'ok' });
      const review = sampleReview();
      const answer = await send(`${server.url}/mutate`, { method: 'POST', body: JSON.stringify(review), ca: cert });
      expect(answer.status).toBe(200);
      expect(answer.json().response.patchType).toBe('JSONPatch');
      // Plain HTTP to the HTTPS port gets no answer.
      await expect(send(server.url.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
      // A client that does not trust the certificate is refused.
      await expect(send(`${server.url}/healthz`)).rejects.toThrow(/self[- ]signed|certificate/i);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!haveOpenssl)('npm start entry serves HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', async () => {
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: '0', TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') }));
    try {
      const [, url] = await proc.waitFor(/listening on (https:\/\/127\.0\.0\.1:\d+) /);
      const answer = await send(`${url}/mutate`, { method: 'POST', body: JSON.stringify(sampleReview()), ca: cert });
      expect(answer.status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    }
  });

  if (!haveOpenssl) it.skip('HTTPS tests skipped: the openssl CLI is not installed', () => {});
});

describe('server-main (npm start) as a process', () => {
  it('answers on the port it prints, and exits 0 on SIGTERM', async () => {
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: '0', HOST: '127.0.0.1' }));
    const [, url] = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) /);
    const health = await send(`${url}/healthz`);
    expect(health.json()).toEqual({ status: 'ok' });
    const review = sampleReview();
    const answer = await send(`${url}/mutate`, { method: 'POST', body: JSON.stringify(review) });
    expect(answer.status).toBe(200);
    const pod = applyAnswer(review.request.object, answer.json());
    expect(pod.spec.containers.at(-1).image).toBe('my-org/my-sidecar:1.2.1');
    expect((await send(`${url}/mutate`, { method: 'POST', body: 'garbage' })).status).toBe(400);
    expect((await send(`${url}/healthz`)).status).toBe(200);

    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(proc.stdout()).toContain('SIGTERM: finishing in-flight requests');
    // Metrics are off locally by default: no EMF lines.
    expect(proc.stdout()).not.toContain('"_aws"');
  });

  it('on SIGTERM finishes a request already in flight, then exits 0', async () => {
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: '0' }));
    const [, url] = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) /);
    const body = JSON.stringify(sampleReview());
    const socket = connect(Number(new URL(url!).port), '127.0.0.1');
    let received = '';
    const gotContinue = deferred<void>();
    const closed = deferred<void>();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.includes('100 Continue')) gotContinue.resolve();
    });
    socket.on('close', () => closed.resolve());
    socket.on('error', () => {});
    // Expect: 100-continue makes the server say when it has read the headers: the request is
    // then in flight, its body not sent yet.
    socket.write(`POST /mutate HTTP/1.1\r\nhost: local\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nexpect: 100-continue\r\n\r\n`);
    await gotContinue.promise;
    proc.child.kill('SIGTERM');
    await proc.waitFor(/SIGTERM: finishing in-flight requests/);
    socket.end(body);
    await closed.promise;
    const status = received.split('\r\n').find((line) => /^HTTP\/1\.1 [2-5]\d\d /.test(line));
    expect(status).toBe('HTTP/1.1 200 OK');
    const json = JSON.parse(received.slice(received.lastIndexOf('\r\n\r\n') + 4));
    expect(json.response.patchType).toBe('JSONPatch');
    expect((await proc.exited).code).toBe(0);
  });

  it('listens on a fixed PORT it is given', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: String(port) }));
    try {
      await proc.waitFor(new RegExp(`listening on http://127\\.0\\.0\\.1:${port} `));
      expect((await send(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    }
  });

  it.each(['abc', '70000', '-1', '80.5', '8443x'])('exits 2 with a clear message for PORT=%s', async (port) => {
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: port }));
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.stderr()).toContain(`PORT="${port}" must be a whole number from 0 to 65535`);
  });

  it('exits 2 naming the variable when the settings are bad', async () => {
    const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: '0', SIDECAR_NAME: 'Not_A_Label' }));
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.stderr()).toContain('settings above were rejected');
    expect(proc.stdout() + proc.stderr()).toMatch(/SIDECAR_NAME=\\?"Not_A_Label/);
  });

  it('exits 2 when only one of TLS_CERT_FILE and TLS_KEY_FILE is set, or a file cannot be read', async () => {
    const one = startChild(SERVER_MAIN, cleanEnv({ PORT: '0', TLS_CERT_FILE: '/nonexistent/cert.pem' }));
    expect((await one.exited).code).toBe(2);
    expect(one.stderr()).toContain('TLS_CERT_FILE and TLS_KEY_FILE go together');
    const missing = startChild(SERVER_MAIN, cleanEnv({ PORT: '0', TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' }));
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr()).toContain('TLS_CERT_FILE=/nonexistent/cert.pem cannot be read');
  });

  it('exits 2 when the port is taken', async () => {
    const holder = await serve();
    try {
      const proc = startChild(SERVER_MAIN, cleanEnv({ PORT: new URL(holder.url).port }));
      expect((await proc.exited).code).toBe(2);
      expect(proc.stderr()).toContain('cannot listen on 127.0.0.1');
    } finally {
      await holder.close();
    }
  });
});
