// Issue 9 against the real API server: what the matchConditions save (read from the API server's
// own /metrics), fail-open mode (failurePolicy Ignore + the ValidatingAdmissionPolicy) with the
// webhook stopped and started again, and a slow SSM (answers after 1.5 s) behind the webhook.
import type { V1Pod } from '@kubernetes/client-node';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpGet,
  LOOPBACK,
  requireParts,
  sleep,
  startCluster,
  startMoto,
  startWebhookServer,
  stopAll,
  registerCleanup,
  type Cluster,
  type WebhookServer,
} from './harness/index.ts';
import {
  apiErrorText,
  appPod,
  INJECT_KEY,
  registerInjector,
  reviewsFor,
  scenarioNamespace,
  sidecarCount,
  sidecarsOf,
  STATUS_KEY,
  updatePod,
  waitForRefusal,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl']);

/** Sums of one metric's samples whose labels include `match`, by the value of label `by`. */
async function metricSums(cluster: Cluster, metric: string, match: Record<string, string>, by: string): Promise<Record<string, number>> {
  const { status, body } = await httpGet(`${cluster.server}/metrics`, { ca: cluster.certs.ca.certPem, headers: { Authorization: `Bearer ${cluster.token}` }, timeoutMs: 10_000 });
  expect(status).toBe(200);
  const sums: Record<string, number> = {};
  for (const line of body.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    const key = labels[by] ?? '';
    sums[key] = (sums[key] ?? 0) + Number(m[3]);
  }
  return sums;
}

const diff = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.keys(after).map((k) => [k, Math.round((after[k]! - (before[k] ?? 0)) * 1e6) / 1e6]).filter(([, v]) => v !== 0));

describe.skipIf(gate.skip)(`fail-safe admission${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let server: WebhookServer;
  beforeAll(async () => {
    cluster = await startCluster();
    server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
  });
  afterAll(stopAll);

  describe('matchConditions: calls saved, measured with the API server\'s webhook metrics', () => {
    // One scripted workload, run once against a configuration with the matchConditions and once
    // without (upgradeOnUpdate on, so UPDATEs are intercepted): 5 labelled pods created, 3 opted
    // out, 3 pods that predate the webhook relabelled and then deleted (finalizer removal), 5
    // injected pods relabelled.
    async function workload(id: string, matchConditions: boolean) {
      const ns = await scenarioNamespace(cluster, id);
      const webhookName = `${id}.injector.e2e.example.com`;
      for (let i = 0; i < 3; i++) {
        const legacy = appPod(`legacy-${i}`);
        legacy.metadata!.finalizers = ['e2e.example.com/hold'];
        await cluster.core.createNamespacedPod({ namespace: ns, body: legacy });
      }
      await registerInjector(cluster, { id, baseUrl: server.url, upgradeOnUpdate: true, matchConditions, webhookName });
      await waitUntilActive(cluster, ns);

      const count = () => metricSums(cluster, 'apiserver_admission_webhook_request_total', { name: webhookName }, 'operation');
      const seconds = () => metricSums(cluster, 'apiserver_admission_webhook_admission_duration_seconds_sum', { name: webhookName }, 'operation');
      const excluded = () => metricSums(cluster, 'apiserver_admission_match_condition_exclusions_total', { name: webhookName }, 'operation');
      const before = { calls: await count(), seconds: await seconds(), excluded: await excluded() };

      for (let i = 0; i < 5; i++) expect(sidecarCount(await cluster.core.createNamespacedPod({ namespace: ns, body: appPod(`app-${i}`) }))).toBe(1);
      for (let i = 0; i < 3; i++) {
        const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod(`opted-out-${i}`, { annotations: { [INJECT_KEY]: 'false' } }) });
        expect(sidecarCount(pod)).toBe(0);
      }
      for (let i = 0; i < 3; i++) expect(sidecarCount(await updatePod(cluster, ns, `legacy-${i}`, (p) => void (p.metadata!.labels!.tier = 'web')))).toBe(0);
      for (let i = 0; i < 5; i++) expect(sidecarCount(await updatePod(cluster, ns, `app-${i}`, (p) => void (p.metadata!.labels!.tier = 'web')))).toBe(1);
      for (let i = 0; i < 3; i++) {
        await cluster.core.deleteNamespacedPod({ name: `legacy-${i}`, namespace: ns });
        await updatePod(cluster, ns, `legacy-${i}`, (p) => void (p.metadata!.finalizers = []));
      }
      const calls = diff(await count(), before.calls);
      const total = Object.values(calls).reduce((a, b) => a + b, 0);
      const result = { calls, total, webhookSeconds: diff(await seconds(), before.seconds), excluded: diff(await excluded(), before.excluded) };
      console.log(`[measure] matchConditions=${matchConditions}: ${JSON.stringify(result)}`);
      return { ns, ...result };
    }

    it('the same workload makes 24 webhook calls without them and 15 with them; every outcome is the same', async () => {
      const without = await workload('mc-off', false);
      const withConditions = await workload('mc-on', true);
      // Without: 5 injected CREATEs x 2 (the ServiceAccount plugin mounts its token into the added
      // container, which reinvokes the webhook), 3 opted-out CREATEs x 1 (no patch, so nothing to
      // reinvoke for), 11 UPDATEs.
      expect(without.calls).toEqual({ CREATE: 13, UPDATE: 11 });
      expect(without.total).toBe(24);
      // With: the opted-out CREATEs (3), the UPDATEs of pods without the sidecar (3) and of
      // pods being deleted (3) stay inside the API server.
      expect(withConditions.calls).toEqual({ CREATE: 10, UPDATE: 5 });
      expect(withConditions.total).toBe(15);
      expect(withConditions.excluded).toEqual({ CREATE: 3, UPDATE: 6 });
      // Same decisions where the webhook was called: the injected pods' UPDATEs changed nothing.
      for (let i = 0; i < 5; i++) {
        expect(reviewsFor(server, withConditions.ns, `app-${i}`).map((r) => [r.operation, r.action])).toEqual([['CREATE', 'inject'], ['CREATE', 'unchanged'], ['UPDATE', 'unchanged']]);
      }
      expect(reviewsFor(server, withConditions.ns, 'opted-out-0')).toEqual([]);
      expect(reviewsFor(server, without.ns, 'opted-out-0').map((r) => r.reason)).toEqual(['opt-out']);
      expect(reviewsFor(server, withConditions.ns, 'legacy-0')).toEqual([]);
      expect(reviewsFor(server, without.ns, 'legacy-0').map((r) => r.reason)).toEqual(['update-cannot-inject', 'being-deleted']);
    });
  });

  describe('fail-open: failurePolicy Ignore plus the ValidatingAdmissionPolicy', () => {
    let ns: string;
    let otherNs: string;
    let failOpenServer: WebhookServer;
    const WEBHOOK = 'sidecar-injector.injector.my-company.com';

    beforeAll(async () => {
      failOpenServer = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
      ns = await scenarioNamespace(cluster, 'fail-open');
      // A namespace the configuration does not select (as kube-system is not selected by the stack's).
      otherNs = await scenarioNamespace(cluster, 'fail-open-unselected');
      await registerInjector(cluster, { id: 'fail-open', baseUrl: failOpenServer.url, failOpen: true });
      await waitUntilActive(cluster, ns);
    });

    it('webhook up: selected pods are injected and pass the policy', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('while-up') });
      expect(sidecarCount(pod)).toBe(1);
    });

    it('webhook stopped: a selected pod is refused with the policy\'s message; unselected, opted-out and unselected-namespace pods are admitted; back up, the retry is injected', async () => {
      await failOpenServer.stop();
      // The API server loads a new policy asynchronously, as it does webhooks: wait until it refuses.
      await waitForRefusal(cluster, ns, 'the require-sidecar policy refusing in fail-open');
      const refused = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('retry-me') }).then(
        () => undefined,
        (err: unknown) => apiErrorText(err),
      );
      expect(refused).toBeDefined();
      expect(refused).toContain("ValidatingAdmissionPolicy 'sidecar-injector-fail-open-require-sidecar'");
      expect(refused).toContain(`the mutating webhook "${WEBHOOK}" did not run`);
      expect(refused).toContain('no container named "my-sidecar"');
      expect(refused).toContain('Controllers retry');

      const unselected = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('not-labelled', { inject: false }) });
      expect(sidecarCount(unselected)).toBe(0);
      const optedOut = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('opted-out', { annotations: { [INJECT_KEY]: ' No ' } }) });
      expect(sidecarCount(optedOut)).toBe(0);
      const hostNetwork = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('host-network', { spec: { hostNetwork: true } }) });
      expect(sidecarCount(hostNetwork)).toBe(0);
      const elsewhere = await cluster.core.createNamespacedPod({ namespace: otherNs, body: appPod('labelled-elsewhere') });
      expect(sidecarCount(elsewhere)).toBe(0);
      // A pod that brings its own sidecar (e.g. from the offline CLI) passes the policy too.
      const own = appPod('brought-own');
      own.spec!.containers.push({ name: 'my-sidecar', image: 'my-org/my-sidecar:1.2.1' });
      expect(sidecarCount(await cluster.core.createNamespacedPod({ namespace: ns, body: own }))).toBe(1);

      // The webhook comes back on its URL; the controller's retry (here: the same create) succeeds.
      failOpenServer = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem, port: failOpenServer.port });
      const retried = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('retry-me') });
      expect(sidecarsOf(retried).map((s) => s.list)).toEqual(['containers']);
      expect(retried.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
    });
  });

  describe('a slow SSM (every answer 1.5 s late) behind the webhook, failurePolicy Fail, timeoutSeconds 10', () => {
    const DELAY_MS = 1_500;
    let proxy: Server;
    let proxied = 0;

    beforeAll(async () => {
      const moto = await startMoto();
      await moto.putParameter('/slow/version', '1.4.0');
      await moto.putParameter('/slow/image', 'my-org/my-sidecar');
      const target = new URL(moto.endpoint);
      // Forwards every SSM call to moto after DELAY_MS: slow, not down.
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          proxied++;
          setTimeout(() => {
            const out = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
              res.writeHead(upstream.statusCode ?? 502, upstream.headers);
              upstream.pipe(res);
            });
            out.on('error', () => res.destroy());
            out.end(Buffer.concat(chunks));
          }, DELAY_MS);
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, LOOPBACK, resolve));
      registerCleanup(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    });

    it('pods keep being admitted, injected with the release from SSM, across cache refreshes', async () => {
      const port = (proxy.address() as { port: number }).port;
      const slowServer = await startWebhookServer({
        cert: cluster.certs.webhook,
        caPem: cluster.certs.ca.certPem,
        env: {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: `http://${LOOPBACK}:${port}`,
          SSM_VERSION_PARAMETER: '/slow/version',
          SSM_IMAGE_PARAMETER: '/slow/image',
          SSM_CACHE_TTL_SECONDS: '1',
        },
      });
      const ns = await scenarioNamespace(cluster, 'slow-ssm');
      // The production timeout: the API server itself refuses the pod if an answer takes longer.
      await registerInjector(cluster, { id: 'slow-ssm', baseUrl: slowServer.url, failurePolicy: 'Fail', timeoutSeconds: 10 });
      await waitUntilActive(cluster, ns);
      const pods: V1Pod[] = [];
      for (let i = 0; i < 4; i++) {
        pods.push(await cluster.core.createNamespacedPod({ namespace: ns, body: appPod(`slow-${i}`) }));
        // Past the 1 s cache period, so the next review finds the release due for a refresh.
        await sleep(1_200);
      }
      for (const pod of pods) {
        expect(sidecarsOf(pod).map((s) => s.container.image)).toEqual(['my-org/my-sidecar:1.4.0']);
      }
      // SSM was asked again after the first load (the refreshes went through the slow path).
      expect(proxied).toBeGreaterThanOrEqual(3);
      const reviews = pods.flatMap((p) => reviewsFor(slowServer, ns, p.metadata!.name!));
      expect(reviews.filter((r) => r.action === 'inject')).toHaveLength(4);
    });
  });
});
