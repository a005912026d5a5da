// The webhook on the path AWS runs it (issue 10, part 2): a real kube-apiserver calls, over
// HTTPS, an API Gateway REST proxy emulation (SAM's local API Gateway service) that reads the
// routes, the stage and the function from the template `cdk synth` wrote, builds the proxy event
// as API Gateway does and invokes the synthesized asset (the esbuild bundle the stack deploys)
// in the Lambda Runtime Interface Emulator through the real Node runtime interface client; the
// function reads its release from SSM (moto), as the deployed stack configures it. See
// harness/lambda/ for the pieces and what each one emulates.
//
// A representative subset of each scenario file runs here (injection, reinvocation, SSM upgrade,
// faults), plus what only this path has: the event shapes a real gateway sends, and the body cap
// the handler can actually enforce under Lambda's 6 MB invocation limit.
//
// Not emulated, so asserted on the synthesized template instead (last block): API Gateway's
// request validator, the resource policy, stage throttling, and the integration timeout's
// ordering against the function's and the webhook's timeouts.
import type { V1Pod } from '@kubernetes/client-node';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireParts,
  sleep,
  startAdmissionServer,
  startCluster,
  startLambdaFunction,
  startLambdaWebhook,
  startMoto,
  stopAll,
  STACK_NAME,
  TEST_PATH_TOKEN,
  type AdmissionRequest,
  type Cluster,
  type LambdaWebhook,
  type Moto,
} from './harness/index.ts';
import {
  appPod,
  INJECT_KEY,
  INJECT_LABEL,
  logLines,
  registerInjector,
  reviewsFor,
  SCENARIO_LABEL,
  scenarioNamespace,
  SIDECAR,
  sidecarCount,
  sidecarsOf,
  STATUS_KEY,
  updatePod,
  VERSION_KEY,
  waitForRefusal,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl', 'lambda']);

// The parameters the stack creates (cdk.json), as the template's function environment names them.
const VERSION_PARAMETER = '/sidecar-injector/version';
const IMAGE_PARAMETER = '/sidecar-injector/image';
const REPOSITORY = 'my-org/my-sidecar';
const TTL_SECONDS = 2;
const WEBHOOK_NAME = 'sidecar-injector.injector.my-company.com';

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS POST to the gateway, as a caller other than the API server would send it. */
function post(url: string, body: Buffer | string, ca: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, timeout: 30_000, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** An event straight to the function's emulator, bypassing the gateway: for shapes the gateway emulation does not make. */
async function invoke(fn: { invokeUrl: string }, event: unknown): Promise<{ statusCode: number; headers?: Record<string, string>; body: string }> {
  const res = await fetch(fn.invokeUrl, { method: 'POST', body: JSON.stringify(event) });
  return (await res.json()) as { statusCode: number; body: string };
}

function reviewBody(uid: string, pod: V1Pod, namespace = 'shapes'): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace,
      operation: 'CREATE',
      object: pod,
      dryRun: false,
    },
  });
}

/** A pod whose review is about `bytes` long (one container with many env vars). */
function podOfSize(bytes: number): V1Pod {
  const env = Array.from({ length: Math.ceil(bytes / 120) }, (_, i) => ({ name: `VAR_${i}`, value: 'v'.repeat(100) }));
  return appPod('sized', { spec: { containers: [{ name: 'app', image: 'registry.example/app:1', env }] } });
}

describe.skipIf(gate.skip)(`the Lambda path: API Gateway emulation, Runtime Interface Emulator, synthesized bundle${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let moto: Moto;
  let lambda: LambdaWebhook;
  let ca: string;

  beforeAll(async () => {
    cluster = await startCluster();
    ca = cluster.certs.ca.certPem;
    moto = await startMoto();
    await moto.putParameter(VERSION_PARAMETER, '1.2.1');
    await moto.putParameter(IMAGE_PARAMETER, REPOSITORY);
    // The template's environment as synthesized, plus moto's endpoint and dummy credentials, a
    // short cache for the upgrade scenario, and upgrade-on-update so UPDATEs run the whole decision.
    lambda = await startLambdaWebhook({
      cert: cluster.certs.webhook,
      caPem: ca,
      env: { ...moto.env, SSM_CACHE_TTL_SECONDS: String(TTL_SECONDS), UPGRADE_ON_UPDATE: 'true' },
    });
  });
  afterAll(stopAll);

  describe('injection (injection.e2e.test.ts, a subset)', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await scenarioNamespace(cluster, 'create');
      await registerInjector(cluster, { id: 'create', baseUrl: lambda.url, path: lambda.webhookPath, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
    });

    it('a labeled pod gets one sidecar with the release from SSM; the reinvocation finds nothing to do', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('labeled') });
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
      expect(sidecarsOf(pod)[0]?.container.image).toBe(`${REPOSITORY}:1.2.1`);
      expect(pod.metadata?.annotations).toEqual({ [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
      const [first, ...again] = reviewsFor(lambda, ns, 'labeled');
      expect([first?.operation, first?.action]).toEqual(['CREATE', 'inject']);
      for (const r of again) expect([r.operation, r.action, r.patchOperations]).toEqual(['CREATE', 'unchanged', 0]);
    });

    it('the answers came from the Lambda runtime: log lines carry the invocation context, metrics are EMF', async () => {
      const lines = logLines(lambda);
      const review = lines.find((l) => (l.review as { pod?: string } | undefined)?.pod === 'labeled');
      expect(review).toMatchObject({ level: 'INFO', service: 'sidecar-injector', function_name: expect.any(String) });
      expect(review?.function_request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.filter((l) => l.cold_start === true).length).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => (l._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics !== undefined && l.Injected === 1)).toBe(true);
      // The emulator's own report lines sit in the same log: one START per invocation.
      expect(readFileSync(lambda.proc.logFile, 'utf8')).toMatch(/START RequestId: [0-9a-f-]{36}/);
    });

    it('annotation keys with "/" survive; other annotations stay', async () => {
      const annotations = { 'example.com/owner': 'team-a' };
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('escaped', { annotations }) });
      expect(pod.metadata?.annotations).toEqual({ ...annotations, [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
    });

    it('a big pod (about 1 MB) goes through the event and is injected once', async () => {
      const containers = Array.from({ length: 20 }, (_, c) => ({
        name: `app-${c}`,
        image: 'registry.example/app:1',
        env: Array.from({ length: 400 }, (_, e) => ({ name: `VAR_${e}`, value: 'x'.repeat(100) })),
      }));
      const body = appPod('big', { spec: { containers } });
      expect(JSON.stringify(body).length).toBeGreaterThan(900_000);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      expect(sidecarCount(pod)).toBe(1);
      expect(reviewsFor(lambda, ns, 'big')[0]?.action).toBe('inject');
    });

    it('an opted-out pod is untouched: never sent (matchConditions), or skipped and logged by the function', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('opted-out', { annotations: { [INJECT_KEY]: 'false' } }) });
      expect(sidecarCount(pod)).toBe(0);
      expect(reviewsFor(lambda, ns, 'opted-out')).toEqual([]);
      const spaced = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('opted-out-spaced', { annotations: { [INJECT_KEY]: ' Off ' } }) });
      expect(sidecarCount(spaced)).toBe(0);
      expect(reviewsFor(lambda, ns, 'opted-out-spaced').map((r) => [r.action, r.reason])).toEqual([['skip', 'opt-out']]);
    });

    it('an UPDATE of an injected pod is accepted and gets no patch', async () => {
      const updated = await updatePod(cluster, ns, 'labeled', (pod) => {
        pod.metadata!.labels = { ...pod.metadata?.labels, touched: 'yes' };
      });
      expect(sidecarCount(updated)).toBe(1);
      const updates = reviewsFor(lambda, ns, 'labeled').filter((r) => r.operation === 'UPDATE');
      expect(updates.length).toBeGreaterThanOrEqual(1);
      for (const r of updates) expect(r.patchOperations).toBe(0);
    });
  });

  describe('path token (the stack\'s route /mutate/{token})', () => {
    it('the synthesized route is a path parameter, so API Gateway\'s own records never name the token', () => {
      expect(lambda.api.routes.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /mutate/{token}']);
      expect(lambda.webhookPath).toBe(`/mutate/${TEST_PATH_TOKEN}`);
    });

    it('a wrong token reaches the function and gets its 404; under Fail the API server refuses the pod', async () => {
      const ns = await scenarioNamespace(cluster, 'token-wrong');
      await registerInjector(cluster, { id: 'token-wrong', baseUrl: lambda.url, path: '/mutate/not-the-token-000000' });
      const message = await waitForRefusal(cluster, ns, 'wrong-token configuration active');
      expect(message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      const direct = await post(`${lambda.url}/mutate/not-the-token-000000`, reviewBody('wrong-token', appPod('x')), ca);
      expect([direct.status, JSON.parse(direct.body)]).toEqual([404, { error: 'not found', status: 404 }]);
    });

    it('a path outside the stage\'s resources never reaches the function: the gateway\'s 403', async () => {
      for (const path of ['/mutate', '/other']) {
        const answer = await post(`${lambda.url}${path}`, reviewBody('no-route', appPod('x')), ca);
        expect([answer.status, JSON.parse(answer.body)]).toEqual([403, { message: 'Missing Authentication Token' }]);
      }
      const wrongStage = await post(lambda.url.replace(/\/prod$/, '/beta') + lambda.webhookPath, reviewBody('no-stage', appPod('x')), ca);
      expect(wrongStage.status).toBe(403);
    });
  });

  describe('reinvocation (reinvocation.e2e.test.ts, a subset)', () => {
    it('another webhook adds a container after ours: one sidecar, our second call answers without a patch', async () => {
      const other = await startAdmissionServer({
        cert: cluster.certs.webhook,
        handle: (req: AdmissionRequest) => {
          const pod = req.object as V1Pod;
          if (pod.spec?.containers.some((c) => c.name === 'other')) return {};
          return { patch: [{ op: 'add', path: '/spec/containers/-', value: { name: 'other', image: 'registry.example/other:1' } }] };
        },
      });
      const id = 'reinvoke';
      const ns = await scenarioNamespace(cluster, id);
      await cluster.admission.createMutatingWebhookConfiguration({
        body: {
          metadata: { name: `z-other-${id}` },
          webhooks: [
            {
              name: `z-other-${id}.other.example.com`,
              clientConfig: { url: `${other.url}/container`, caBundle: cluster.certs.caBundle },
              rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
              namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: id } },
              objectSelector: { matchLabels: { ...INJECT_LABEL } },
              reinvocationPolicy: 'IfNeeded',
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              failurePolicy: 'Fail',
              timeoutSeconds: 5,
            },
          ],
        },
      });
      await registerInjector(cluster, { id, baseUrl: lambda.url, path: lambda.webhookPath, reinvocationPolicy: 'IfNeeded' });
      await waitUntilActive(cluster, ns, (pod) => sidecarCount(pod) === 1 && pod.spec?.containers.some((c) => c.name === 'other') === true);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('both') });
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR, 'other']);
      const ours = reviewsFor(lambda, ns, 'both');
      expect(ours[0]?.action).toBe('inject');
      expect(ours.length).toBeGreaterThanOrEqual(2);
      for (const r of ours.slice(1)) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
    });
  });

  describe('event shapes a real REST API sends, straight to the function', () => {
    const pod = appPod('shaped');

    it('repeated headers (multiValueHeaders), requestContext.path with the stage, a query string', async () => {
      const answer = await invoke(lambda, {
        resource: '/mutate/{token}',
        path: `/mutate/${TEST_PATH_TOKEN}`,
        pathParameters: { token: TEST_PATH_TOKEN },
        httpMethod: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': '10.0.0.1, 10.0.0.2' },
        multiValueHeaders: { 'Content-Type': ['application/json'], 'X-Forwarded-For': ['10.0.0.1', '10.0.0.2'], Accept: ['application/json', '*/*'] },
        queryStringParameters: { timeout: '10s' },
        multiValueQueryStringParameters: { timeout: ['10s'] },
        stageVariables: null,
        requestContext: { resourcePath: '/mutate/{token}', httpMethod: 'POST', path: `/prod/mutate/${TEST_PATH_TOKEN}`, stage: 'prod', requestId: 'r-1', identity: { sourceIp: '10.0.0.2' } },
        body: reviewBody('shape-1', pod),
        isBase64Encoded: false,
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers?.['content-type']).toBe('application/json');
      expect(JSON.parse(answer.body).response).toMatchObject({ uid: 'shape-1', allowed: true, patchType: 'JSONPatch' });
    });

    it('a base64 body (what a binary media type makes API Gateway send)', async () => {
      const answer = await invoke(lambda, {
        resource: '/mutate/{token}',
        path: `/mutate/${TEST_PATH_TOKEN}`,
        pathParameters: { token: TEST_PATH_TOKEN },
        httpMethod: 'POST',
        headers: { 'Content-Type': 'application/json' },
        multiValueHeaders: { 'Content-Type': ['application/json'] },
        requestContext: { resourcePath: '/mutate/{token}', httpMethod: 'POST', path: `/prod/mutate/${TEST_PATH_TOKEN}`, stage: 'prod' },
        body: Buffer.from(reviewBody('shape-2', pod)).toString('base64'),
        isBase64Encoded: true,
      });
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body).response.uid).toBe('shape-2');
    });

    it('the gateway emulation puts the stage into requestContext.path and leaves it out of path', async () => {
      const answer = await post(`${lambda.url}${lambda.webhookPath}?timeout=10s`, reviewBody('shape-3', pod), ca);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).response.uid).toBe('shape-3');
      expect(readFileSync(lambda.gateway.logFile, 'utf8')).not.toMatch(/Traceback/);
    });
  });

  describe('the body cap under Lambda\'s 6 MB invocation limit', () => {
    const cap = (): number => Number(JSON.parse(readFileSync(join(lambda.assemblyDir, `${STACK_NAME}.template.json`), 'utf8')).Resources[Object.keys(lambda.api.functions)[0] as string].Properties.Environment.Variables.MAX_BODY_BYTES);

    it('a body just over the cap reaches the function and gets its JSON 413', async () => {
      const body = reviewBody('too-big', podOfSize(cap() + 64 * 1024));
      expect(body.length).toBeGreaterThan(cap());
      const answer = await post(`${lambda.url}${lambda.webhookPath}`, body, ca);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toEqual({ status: 413, error: `body of ${body.length} bytes is over the limit of ${cap()}` });
    });

    it('a body at the cap is reviewed (its event, escaped, fits in 6 MB)', async () => {
      let body = reviewBody('at-cap', podOfSize(cap() - 64 * 1024));
      while (body.length > cap()) body = reviewBody('at-cap', podOfSize(cap() - 64 * 1024 - (body.length - cap())));
      const answer = await post(`${lambda.url}${lambda.webhookPath}`, body, ca);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).response.uid).toBe('at-cap');
    });

    it('a body whose event is over 6 MB never reaches the function: the gateway\'s error, not ours', async () => {
      const body = reviewBody('way-too-big', podOfSize(5_600_000));
      const answer = await post(`${lambda.url}${lambda.webhookPath}`, body, ca);
      expect([answer.status, JSON.parse(answer.body)]).toEqual([502, { message: 'Internal server error' }]);
    });
  });

  describe('SSM upgrade (ssm-upgrade.e2e.test.ts, a subset)', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await scenarioNamespace(cluster, 'ssm');
      await registerInjector(cluster, { id: 'ssm', baseUrl: lambda.url, path: lambda.webhookPath });
      await waitUntilActive(cluster, ns);
    });

    it('after PutParameter and the cache period, new pods get the new version; older pods keep theirs', async () => {
      await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('old') });
      await moto.putParameter(VERSION_PARAMETER, '1.3.0');
      await sleep(TTL_SECONDS * 1000 + 700);
      const fresh = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('new') });
      expect(sidecarsOf(fresh)[0]?.container.image).toBe(`${REPOSITORY}:1.3.0`);
      expect(fresh.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');
      const old = await cluster.core.readNamespacedPod({ name: 'old', namespace: ns });
      expect(sidecarsOf(old)[0]?.container.image).toBe(`${REPOSITORY}:1.2.1`);
    });

    it('moto stopped: the last known good release keeps being injected', async () => {
      await moto.stop();
      await sleep(TTL_SECONDS * 1000 + 700);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('after-ssm-down') });
      expect(sidecarsOf(pod)[0]?.container.image).toBe(`${REPOSITORY}:1.3.0`);
      expect(reviewsFor(lambda, ns, 'after-ssm-down')[0]?.releaseStale).toBe(true);
    });
  });

  describe('faults (faults.e2e.test.ts, a subset)', () => {
    it('SSM never loaded: the function\'s 503 makes the API server refuse the pod under Fail', async () => {
      const noRelease = await startLambdaWebhook({
        cert: cluster.certs.webhook,
        caPem: ca,
        // Nothing listens there: every GetParameters fails, and no release was ever loaded.
        env: { ...moto.env, AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9' },
      });
      const ns = await scenarioNamespace(cluster, 'no-release');
      await registerInjector(cluster, { id: 'no-release', baseUrl: noRelease.url, path: noRelease.webhookPath, failurePolicy: 'Fail' });
      const message = await waitForRefusal(cluster, ns, 'function answering 503');
      expect(message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      expect(message).toMatch(/the server is currently unable to handle the request/);
      expect(logLines(noRelease).some((l) => String(l.message).startsWith('request failed with 503'))).toBe(true);
      await noRelease.stop();
    });

    it('the function\'s environment gone: the gateway answers 502; Fail refuses, Ignore admits without the sidecar', async () => {
      const broken = await startLambdaWebhook({ cert: cluster.certs.webhook, caPem: ca, env: moto.env });
      await broken.proc.stop();
      const failNs = await scenarioNamespace(cluster, 'down-fail');
      const ignoreNs = await scenarioNamespace(cluster, 'down-ignore');
      await registerInjector(cluster, { id: 'down-fail', baseUrl: broken.url, path: broken.webhookPath, failurePolicy: 'Fail' });
      await registerInjector(cluster, { id: 'down-ignore', baseUrl: broken.url, path: broken.webhookPath, failurePolicy: 'Ignore' });
      const message = await waitForRefusal(cluster, failNs, 'gateway without its function');
      expect(message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      const ignored = await cluster.core.createNamespacedPod({ namespace: ignoreNs, body: appPod('admitted') });
      expect(sidecarCount(ignored)).toBe(0);
      await broken.stop();
    });

    it('a stand-alone function environment answers the misconfigured case with its JSON 500', async () => {
      const fn = lambda.api.functions[Object.keys(lambda.api.functions)[0] as string];
      const bad = await startLambdaFunction(fn!, { ...moto.env, NATIVE_SIDECAR: 'sometimes' });
      const answer = await invoke(bad, { httpMethod: 'POST', path: `/mutate/${TEST_PATH_TOKEN}`, requestContext: { stage: 'prod' }, body: reviewBody('bad', appPod('x')) });
      expect(answer.statusCode).toBe(500);
      expect(JSON.parse(answer.body).error).toContain('NATIVE_SIDECAR="sometimes"');
      await bad.proc.stop();
    });
  });

  // What the emulation does not do, read from the template the gateway was built from.
  describe('API Gateway behaviour not emulated, asserted on the synthesized template', () => {
    const template = () =>
      JSON.parse(readFileSync(join(lambda.assemblyDir, `${STACK_NAME}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
    const ofType = (type: string) => Object.values(template().Resources).filter((r) => r.Type === type);

    it('the POST method validates the body against the AdmissionReview model before invoking', () => {
      const [method] = ofType('AWS::ApiGateway::Method');
      expect(method?.Properties.RequestValidatorId).toBeDefined();
      expect(Object.keys(method?.Properties.RequestModels ?? {})).toEqual(['application/json']);
      const [validator] = ofType('AWS::ApiGateway::RequestValidator');
      expect(validator?.Properties.ValidateRequestBody).toBe(true);
      const [model] = ofType('AWS::ApiGateway::Model');
      expect(model?.Properties.Schema.required).toEqual(['apiVersion', 'kind', 'request']);
    });

    it('stage throttling and a WAF web ACL on the stage; an open endpoint carries no resource policy (cdk.json restricts nothing)', () => {
      const [stage] = ofType('AWS::ApiGateway::Stage');
      expect(stage?.Properties.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
      expect(ofType('AWS::WAFv2::WebACLAssociation')).toHaveLength(1);
      const [api] = ofType('AWS::ApiGateway::RestApi');
      expect(api?.Properties.Policy).toBeUndefined();
    });

    it('function timeout < integration timeout < webhook timeout, so some layer always answers', () => {
      const fn = lambda.api.functions[Object.keys(lambda.api.functions)[0] as string];
      const route = lambda.api.routes[0];
      expect(fn!.timeoutSeconds * 1000).toBeLessThan(route!.integrationTimeoutMs);
      expect(route!.integrationTimeoutMs).toBeLessThan(10_000);
    });
  });
});

