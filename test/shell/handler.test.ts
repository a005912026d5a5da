import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, SHORTHAND_VARIABLES } from '../../functions/shell/settings.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';
import { httpApiEvent, lambdaContext, restEvent, type EventOptions } from '../support/lambda-events.ts';
import { captureOutput, type CapturedOutput } from '../support/output-capture.ts';
import { applyAnswer, patchOf, podReview, sampleReview, type DecodedAnswer } from '../support/reviews.ts';

// The exported middy handler, as API Gateway invokes it. The module reads process.env when it
// is imported, so each group stubs the environment and imports a fresh copy.

type Handler = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult>;

const VARIABLES = [
  ...Object.keys(DEFAULTS),
  ...SHORTHAND_VARIABLES,
  'SIDECAR_NAME',
  'SIDECAR_TEMPLATE_FILE',
  'SSM_VERSION_PARAMETER',
  'SSM_IMAGE_PARAMETER',
  'WEBHOOK_PATH_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SSM',
  'POWERTOOLS_DEV',
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_LOGGER_LOG_EVENT',
];

async function loadHandler(env: Record<string, string> = {}): Promise<Handler> {
  for (const name of VARIABLES) vi.stubEnv(name, undefined);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const module = await import('../../functions/mutate/handler.ts');
  return module.handler as unknown as Handler;
}

const events = { 'REST (v1)': restEvent, 'HTTP API (v2)': httpApiEvent } as const;

let output: CapturedOutput;
beforeAll(() => {
  output = captureOutput();
});
afterAll(() => {
  output.restore();
  vi.unstubAllEnvs();
});

async function call(handler: Handler, make: (o: EventOptions) => unknown, options: EventOptions): Promise<{ status: number; json: any; result: APIGatewayProxyResult }> {
  const result = await handler(make(options), lambdaContext());
  return { status: result.statusCode, json: JSON.parse(result.body), result };
}

const SECRET = 'planted-secret-value-7f3a9c';
const APP_IMAGE = 'registry.internal/team-x/payments-app:9.9.9';

function secretPod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'payments-0', namespace: 'prod', annotations: { 'team.example.com/owner': 'x' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: APP_IMAGE,
          args: ['--token-file', '/var/run/secret-arg-1b2c'],
          env: [{ name: 'DB_PASSWORD', value: SECRET }],
        },
      ],
    },
  };
}

describe('handler with the default (environment) release', () => {
  let handler: Handler;
  beforeAll(async () => {
    handler = await loadHandler({ MAX_BODY_BYTES: '4096' });
  });
  beforeEach(() => output.clear());

  for (const [shape, make] of Object.entries(events)) {
    describe(shape, () => {
      it('injects into a CREATE: envelope, uid echo, base64 JSONPatch that applies with fast-json-patch', async () => {
        const review = sampleReview();
        const { status, json, result } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(200);
        expect(result.headers).toMatchObject({ 'content-type': 'application/json' });
        expect(result.isBase64Encoded).toBe(false);
        const answer = json as DecodedAnswer;
        expect(answer.apiVersion).toBe('admission.k8s.io/v1');
        expect(answer.kind).toBe('AdmissionReview');
        expect(answer.response.uid).toBe(review.request.uid);
        expect(answer.response.allowed).toBe(true);
        expect(answer.response.patchType).toBe('JSONPatch');
        expect(answer.response.patch).toMatch(/^[A-Za-z0-9+/]+=*$/);
        const pod = applyAnswer(review.request.object, answer);
        const sidecars = pod.spec.containers.filter((c: any) => c.name === 'my-sidecar');
        expect(sidecars).toHaveLength(1);
        expect(sidecars[0]).toMatchObject({
          image: 'my-org/my-sidecar:1.2.1',
          ports: [{ name: 'http', containerPort: 8080 }],
          resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        });
        expect(pod.metadata.annotations).toEqual({ 'injector.my-company.com/status': 'injected', 'injector.my-company.com/version': '1.2.1' });
        expect(pod.metadata.labels).toEqual(review.request.object.metadata.labels);
        expect(pod.spec.containers[0]).toEqual(review.request.object.spec.containers[0]);

        // Asking again with the patched pod: no patch, no patchType.
        const again = sampleReview();
        again.request.object = pod;
        const second = await call(handler, make, { body: JSON.stringify(again) });
        expect(second.status).toBe(200);
        expect(second.json.response).toEqual({ uid: review.request.uid, allowed: true });
      });

      it('decodes a base64 body', async () => {
        const review = sampleReview();
        const { status, json } = await call(handler, make, { body: JSON.stringify(review), base64: true });
        expect(status).toBe(200);
        expect(patchOf(json).length).toBeGreaterThan(0);
        expect(json.response.uid).toBe(review.request.uid);
      });

      it('answers 413 over MAX_BODY_BYTES, counting decoded bytes', async () => {
        const review = sampleReview();
        review.request.object.metadata.labels.padding = 'x'.repeat(5000);
        const { status, json } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(413);
        expect(json).toEqual({ error: expect.stringContaining('over the limit of 4096'), status: 413 });
        const b64 = await call(handler, make, { body: JSON.stringify(review), base64: true });
        expect(b64.status).toBe(413);

        // Just under the cap once decoded, though its base64 form is over it.
        const fits = sampleReview();
        const base = Buffer.byteLength(JSON.stringify(fits));
        fits.request.object.metadata.labels.padding = 'x'.repeat(4000 - base);
        const encodedLength = Buffer.from(JSON.stringify(fits)).toString('base64').length;
        expect(encodedLength).toBeGreaterThan(4096);
        expect((await call(handler, make, { body: JSON.stringify(fits), base64: true })).status).toBe(200);
      });

      it.each([
        ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", '],
        ['an empty body', ''],
        ['a JSON array', '[]'],
        ['a JSON string', '"AdmissionReview"'],
        ['an object that is not an AdmissionReview', '{"kind":"Pod","apiVersion":"v1"}'],
        ['an AdmissionReview without request', '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}'],
        ['a request without uid', '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"operation":"CREATE"}}'],
        ['an unknown operation', '{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"u","operation":"PATCH"}}'],
      ])('answers 400 with a JSON error for %s', async (_label, body) => {
        const { status, json } = await call(handler, make, { body });
        expect(status).toBe(400);
        expect(json).toEqual({ error: expect.any(String), status: 400 });
        expect(json.error.length).toBeGreaterThan(10);
      });

      it('does not echo a malformed body back: the parser quotes it, and it may hold secrets', async () => {
        output.clear();
        const { status, json } = await call(handler, make, { body: '{"env": [{"value": hunter2-secret}]}' });
        expect(status).toBe(400);
        expect(json.error).toMatch(/^body is not valid JSON( \(error at position \d+\))?$/);
        expect(output.text()).not.toContain('hunter2');
      });

      it('answers 400 for an admission.k8s.io/v1beta1 review, saying to register v1', async () => {
        const review = sampleReview();
        review.apiVersion = 'admission.k8s.io/v1beta1';
        const { status, json } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(400);
        expect(json.error).toContain('admission.k8s.io/v1');
        expect(json.error).toContain('admissionReviewVersions');
      });

      it('answers 405 to a GET', async () => {
        const { status, json } = await call(handler, make, { method: 'GET', body: null });
        expect(status).toBe(405);
        expect(json.status).toBe(405);
      });

      it('lets a DELETE through with no patch', async () => {
        const review = podReview(secretPod(), 'DELETE');
        const { status, json } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(200);
        expect(json).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } });
      });

      it('lets an object that is not a pod through with no patch', async () => {
        const review = sampleReview();
        review.request.kind = { group: '', version: 'v1', kind: 'ConfigMap' };
        review.request.resource = { group: '', version: 'v1', resource: 'configmaps' };
        review.request.object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
        const { status, json } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(200);
        expect(json.response).toEqual({ uid: review.request.uid, allowed: true });
      });

      it('answers an UPDATE of an un-injected pod with a warning and no patch', async () => {
        const review = podReview(sampleReview().request.object, 'UPDATE');
        const { status, json } = await call(handler, make, { body: JSON.stringify(review) });
        expect(status).toBe(200);
        expect(json.response.patch).toBeUndefined();
        expect(json.response.patchType).toBeUndefined();
        expect(json.response.warnings).toEqual([expect.any(String)]);
      });
    });
  }

  it('answers 400, not a throw, to an event that is not an API Gateway proxy event', async () => {
    for (const event of [{}, { body: '{}' }, null, 'text', []]) {
      const result = await handler(event, lambdaContext());
      expect(result.statusCode).toBe(400);
      expect(JSON.parse(result.body)).toEqual({ error: expect.stringContaining('API Gateway proxy event'), status: 400 });
    }
  });

  it('logs one structured line per review, with who and what, never the pod spec', async () => {
    const review = podReview(secretPod(), 'CREATE', { namespace: 'prod', uid: 'uid-secret-test' });
    const { status } = await call(handler, restEvent, { body: JSON.stringify(review) });
    expect(status).toBe(200);
    const text = output.text();
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(APP_IMAGE);
    expect(text).not.toContain('secret-arg-1b2c');
    expect(text).not.toContain('DB_PASSWORD');
    const line = output.records().find((r) => (r.review as any)?.uid === 'uid-secret-test');
    expect(line).toBeDefined();
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'sidecar-injector',
      function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      review: { uid: 'uid-secret-test', namespace: 'prod', pod: 'payments-0', operation: 'CREATE', kind: 'Pod', action: 'inject', releaseStale: false },
    });
    expect(typeof (line!.review as any).durationMs).toBe('number');
    expect(typeof (line!.review as any).reason).toBe('string');
  });

  it('names a pod that has only generateName with a * in the log', async () => {
    const review = sampleReview();
    review.request.uid = 'uid-generate-name';
    await call(handler, httpApiEvent, { body: JSON.stringify(review) });
    const line = output.records().find((r) => (r.review as any)?.uid === 'uid-generate-name');
    expect((line?.review as any)?.pod).toBe('web-*');
  });

  it('does not log the pod spec on failures either (bad review, wrong apiVersion, 413)', async () => {
    const review = podReview(secretPod());
    review.apiVersion = 'admission.k8s.io/v1beta1';
    await call(handler, restEvent, { body: JSON.stringify(review) });
    const big = podReview(secretPod());
    big.request.object.metadata.annotations.padding = 'x'.repeat(5000);
    await call(handler, restEvent, { body: JSON.stringify(big) });
    const truncated = JSON.stringify(podReview(secretPod()));
    await call(handler, restEvent, { body: truncated.slice(0, truncated.indexOf(SECRET) + SECRET.length + 2) });
    const text = output.text();
    expect(text).toContain('request failed with 400');
    expect(text).toContain('request failed with 413');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(APP_IMAGE);
  });

  it('publishes CloudWatch embedded-format metrics for a review', async () => {
    await call(handler, restEvent, { body: JSON.stringify(sampleReview()) });
    const emf = output.records().filter((r) => r._aws !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    const names = emf.flatMap((r) => (r._aws as any).CloudWatchMetrics.flatMap((m: any) => m.Metrics.map((x: any) => x.Name)));
    expect(names).toEqual(expect.arrayContaining(['Reviews', 'Injected', 'AdmissionLatency']));
    expect((emf[0]!._aws as any).CloudWatchMetrics[0].Namespace).toBe('SidecarInjector');
  });

  it('writes one line per review, log record and metrics together, and nothing else (no empty-metrics warning)', async () => {
    const first = await call(handler, restEvent, { body: JSON.stringify(sampleReview()) });
    expect(first.status).toBe(200);
    output.clear();
    const { status } = await call(handler, restEvent, { body: JSON.stringify(sampleReview()) });
    expect(status).toBe(200);
    const lines = output.text().split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'INFO', function_request_id: expect.any(String), Reviews: 1, Injected: 1 });
    expect(output.text()).not.toContain('No application metrics to publish');
  });

  it('counts a skip by reason', async () => {
    const review = sampleReview();
    review.request.object.metadata.annotations = { 'injector.my-company.com/inject': 'false' };
    const { json } = await call(handler, restEvent, { body: JSON.stringify(review) });
    expect(json.response.patch).toBeUndefined();
    const byReason = output.records().find((r) => r.SkippedByReason !== undefined);
    expect(byReason).toMatchObject({ reason: 'opt-out', SkippedByReason: 1 });
  });
});

describe('handler with POWERTOOLS_LOGGER_LOG_EVENT=true', () => {
  // Powertools' injectLambdaContext logs the whole event (the body: the pod, env values
  // included) when this standard variable is true, unless the middleware is given
  // `logEvent: false`, which handler.ts passes: turning event logging on (a common debugging
  // switch) must not put pod secrets in CloudWatch.
  it('still never logs the pod spec', async () => {
    const handler = await loadHandler({ POWERTOOLS_LOGGER_LOG_EVENT: 'true' });
    output.clear();
    const { status } = await call(handler, restEvent, { body: JSON.stringify(podReview(secretPod())) });
    expect(status).toBe(200);
    expect(output.text()).not.toContain(SECRET);
  });
});

describe('handler with WEBHOOK_PATH_TOKEN', () => {
  const TOKEN = 'Zq3_kL9-xP2mN8rT4vWy';
  let handler: Handler;
  beforeAll(async () => {
    handler = await loadHandler({ WEBHOOK_PATH_TOKEN: TOKEN });
  });

  for (const [shape, make] of Object.entries(events)) {
    it(`${shape}: 404 unless the last path segment is the token`, async () => {
      const body = JSON.stringify(sampleReview());
      for (const path of ['/mutate', '/', `/${TOKEN}/mutate`, `/mutate/${TOKEN}x`, `/mutate/${TOKEN.slice(0, -1)}`, `/mutate/${TOKEN.toLowerCase()}`]) {
        const { status, json } = await call(handler, make, { path, body });
        expect(status, path).toBe(404);
        expect(json).toEqual({ error: 'not found', status: 404 });
      }
      for (const path of [`/mutate/${TOKEN}`, `/${TOKEN}`, `/prod/mutate/${TOKEN}/`]) {
        const { status, json } = await call(handler, make, { path, body });
        expect(status, path).toBe(200);
        expect(json.response.patchType).toBe('JSONPatch');
      }
    });
  }

  it('answers 404 before anything else: wrong method or garbage under a wrong path', async () => {
    expect((await call(handler, restEvent, { path: '/mutate', method: 'GET', body: null })).status).toBe(404);
    expect((await call(handler, restEvent, { path: '/mutate', body: 'garbage' })).status).toBe(404);
  });
});

describe('handler with invalid settings', () => {
  let handler: Handler;
  beforeAll(async () => {
    output.clear();
    handler = await loadHandler({ SIDECAR_PORT: 'eighty', SIDECAR_CONTAINER_JSON: '{"image":"x"}' });
  });

  it('logs why it cannot start, once, at import', () => {
    const text = output.text();
    expect(text).toContain('webhook cannot start');
    expect(text).toContain('SIDECAR_PORT');
  });

  for (const [shape, make] of Object.entries(events)) {
    it(`${shape}: answers every request with a 500 JSON naming the variables, never throws`, async () => {
      for (const body of [JSON.stringify(sampleReview()), 'garbage', '']) {
        const { status, json } = await call(handler, make, { body });
        expect(status).toBe(500);
        expect(json.status).toBe(500);
        expect(json.error).toContain('webhook misconfigured');
        expect(json.error).toContain('SIDECAR_PORT');
        expect(json.error).toContain('SIDECAR_CONTAINER_JSON');
      }
    });
  }
});

describe('handler with the release in SSM', () => {
  let ssm: FakeSsm;
  const ssmEnv = (url: string) => ({
    SSM_VERSION_PARAMETER: '/sidecar/version',
    SSM_IMAGE_PARAMETER: '/sidecar/image',
    AWS_REGION: TEST_REGION,
    AWS_ENDPOINT_URL_SSM: url,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  });

  beforeAll(async () => {
    ssm = await startFakeSsm({ '/sidecar/version': '3.1.0', '/sidecar/image': 'registry.example.com/my-org/my-sidecar' });
  });
  afterAll(async () => {
    await ssm.close();
  });
  afterEach(() => {
    ssm.behaviour = { kind: 'ok' };
  });

  it('starts the SSM read during init, before any request; the first request uses it', async () => {
    const before = ssm.calls.length;
    const handler = await loadHandler(ssmEnv(ssm.url));
    await vi.waitFor(() => expect(ssm.calls.length - before).toBe(1), { timeout: 5_000 });
    const { status } = await call(handler, restEvent, { body: JSON.stringify(sampleReview()) });
    expect(status).toBe(200);
    expect(ssm.calls.length - before).toBe(1);
  });

  it('injects the release read from SSM, with one GetParameters for many requests', async () => {
    const handler = await loadHandler(ssmEnv(ssm.url));
    const before = ssm.calls.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(handler, restEvent, { body: JSON.stringify(sampleReview()) })));
    expect(ssm.calls.length - before).toBe(1);
    for (const { status, json } of answers) {
      expect(status).toBe(200);
      const pod = applyAnswer(sampleReview().request.object, json);
      expect(pod.spec.containers.find((c: any) => c.name === 'my-sidecar').image).toBe('registry.example.com/my-org/my-sidecar:3.1.0');
      expect(pod.metadata.annotations['injector.my-company.com/version']).toBe('3.1.0');
    }
  });

  it('answers 503 with a clear message when the release was never loaded (SSM throttling)', async () => {
    ssm.behaviour = { kind: 'throttle' };
    const handler = await loadHandler(ssmEnv(ssm.url));
    output.clear();
    const { status, json } = await call(handler, httpApiEvent, { body: JSON.stringify(sampleReview()) });
    expect(status).toBe(503);
    // The caller learns that the release is missing; the SSM details (parameter names, and in
    // real life role ARNs and account ids) stay in the logs.
    expect(json).toEqual({ error: 'the sidecar release has not been loaded from SSM yet; see the webhook logs', status: 503 });
    const text = output.text();
    expect(text).toContain('sidecar release not loaded from SSM');
    expect(text).toContain('/sidecar/version');
    expect(text).toContain('SSM refresh failed and no release was ever loaded');
    expect(text).toContain('request failed with 503');
  });

  // A pod being deleted still receives UPDATEs (finalizer removal) and is never patched, so its
  // answer does not depend on the release: it must not wait for SSM, or while SSM has never
  // answered such an UPDATE would get 503 and, under failurePolicy: Fail, the pod could not
  // finish deleting (the trap of hashicorp/vault-k8s#500).
  it('lets the UPDATE of a pod being deleted through while the release was never loaded', async () => {
    ssm.behaviour = { kind: 'throttle' };
    const handler = await loadHandler(ssmEnv(ssm.url));
    const pod = sampleReview().request.object;
    pod.metadata.deletionTimestamp = '2026-11-23T19:00:00Z';
    pod.metadata.finalizers = [];
    const review = podReview(pod, 'UPDATE');
    const { status, json } = await call(handler, restEvent, { body: JSON.stringify(review) });
    expect(status).toBe(200);
    expect(json.response).toEqual({ uid: review.request.uid, allowed: true });
  });

  it('answers 503 when SSM is unreachable (closed port), and still lets non-pod requests through', async () => {
    const closed = await startFakeSsm();
    const url = closed.url;
    await closed.close();
    const handler = await loadHandler(ssmEnv(url));
    const { status } = await call(handler, restEvent, { body: JSON.stringify(sampleReview()) });
    expect(status).toBe(503);
    const review = podReview(sampleReview().request.object, 'DELETE');
    const passed = await call(handler, restEvent, { body: JSON.stringify(review) });
    expect(passed.status).toBe(200);
    expect(passed.json.response).toEqual({ uid: review.request.uid, allowed: true });
  });
});
