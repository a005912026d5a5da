// The injector inside the API server's own admission chain (issue 8, section 4): the plugins a
// production cluster runs around a mutating webhook, and what they do to the injected pod.
// Assertions are on pods as the API server admits or stores them, not on our patches:
//   1. Pod Security `restricted` (PodSecurity plugin, enforce-version latest): every corpus pod
//      the API server admits in a restricted namespace without the webhook is admitted with it,
//      carrying one sidecar (dry-run creates, regular and native mode). The corpus pods as they
//      are break `restricted` (none sets runAsNonRoot or a seccomp profile), so each is also sent
//      hardened the way an app team would (support/injector.ts hardenForRestricted), which is
//      where the comparison bites; the counts are printed and asserted.
//   2. The ServiceAccount plugin mounts its token into every container, ours too, after the
//      webhooks, and so reinvokes us (IfNeeded): the stored sidecar keeps the mount and our
//      second review has no patch.
//   3. A LimitRange (LimitRanger plugin): defaults for containers without resources, and a max.
//   4. Two foreign webhooks (harness/foreign-webhooks.ts: EKS pod identity, digest pinning),
//      reinvocationPolicy IfNeeded, called before and after ours.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusMissingMessage, loadCorpus, mustHaveCorpus, type CorpusPod } from '../support/corpus.ts';
import {
  DIGEST_PIN,
  foreignWebhooks,
  pinnedImage,
  POD_IDENTITY,
  registerForeignWebhook,
  requireParts,
  startAdmissionServer,
  startCluster,
  startWebhookServer,
  stopAll,
  type AdmissionServer,
  type Cluster,
  type WebhookServer,
} from './harness/index.ts';
import {
  adaptCorpusPod,
  apiErrorText,
  appPod,
  hardenForRestricted,
  hasTokenMount,
  INJECT_LABEL,
  LOG_SHIPPING_TEMPLATE,
  mapLimit,
  podSecurityNamespace,
  registerInjector,
  restrictedAppPod,
  reviewsFor,
  SCENARIO_LABEL,
  scenarioNamespace,
  SIDECAR,
  sidecarsOf,
  STATUS_KEY,
  TOKEN_MOUNT_PATH,
  VERSION_KEY,
  waitUntilActive,
  writeLogShippingTemplate,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);
if (!corpusAvailable && mustHaveCorpus) throw new Error(`${corpusMissingMessage()}; CI=true, so this is a failure`);

const RELEASE_IMAGE = 'my-org/my-sidecar:1.2.1';
const CONCURRENCY = 8;

type Mode = 'classic' | 'native';
const MODE_ENV: Record<Mode, Record<string, string>> = { classic: { NATIVE_SIDECAR: 'false' }, native: { NATIVE_SIDECAR: 'true' } };
const MODE_LIST: Record<Mode, 'containers' | 'initContainers'> = { classic: 'containers', native: 'initContainers' };

const allContainers = (pod: V1Pod): V1Container[] => [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
const serviceAccountOf = (pod: V1Pod): string | undefined => pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount;

describe.skipIf(gate.skip)(`the API server's admission chain around the injector${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  const servers = {} as Record<Mode, WebhookServer>;

  beforeAll(async () => {
    cluster = await startCluster();
    const tls = { cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem };
    [servers.classic, servers.native] = await Promise.all([
      startWebhookServer({ ...tls, env: MODE_ENV.classic }),
      startWebhookServer({ ...tls, env: MODE_ENV.native }),
    ]);
  });
  afterAll(stopAll);

  async function injectorNamespace(id: string, mode: Mode, level?: 'restricted' | 'baseline'): Promise<string> {
    const ns = level ? await podSecurityNamespace(cluster, id, level) : await scenarioNamespace(cluster, id);
    await registerInjector(cluster, { id, baseUrl: servers[mode].url });
    await waitUntilActive(cluster, ns, (pod) => sidecarsOf(pod).length === 1, restrictedAppPod('activation-probe'));
    return ns;
  }

  describe.skipIf(!corpusAvailable)(`1. Pod Security restricted: the corpus${corpusAvailable ? '' : ` (skipped: ${corpusMissingMessage()})`}`, () => {
    let corpus: CorpusPod[];
    /** Per variant, the corpus indexes the API server admits in a restricted namespace without the webhook. */
    const compliant: Record<'asIs' | 'hardened', number[]> = { asIs: [], hardened: [] };
    const variant = (v: 'asIs' | 'hardened', index: number): V1Pod => {
      const pod = adaptCorpusPod(corpus[index] as CorpusPod, index, v === 'asIs' ? 'r' : 'h');
      return v === 'asIs' ? pod : hardenForRestricted(pod);
    };

    async function serviceAccounts(ns: string): Promise<void> {
      const names = new Set(corpus.map((e) => serviceAccountOf(e.pod as V1Pod)).filter((a): a is string => !!a && a !== 'default'));
      for (const name of names) await cluster.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name } } });
    }

    beforeAll(async () => {
      corpus = loadCorpus();
      const control = await podSecurityNamespace(cluster, 'psa-control', 'restricted');
      await serviceAccounts(control);
      for (const v of ['asIs', 'hardened'] as const) {
        const outcomes = await mapLimit(corpus, CONCURRENCY, (_, index) =>
          cluster.dryRunPod(control, variant(v, index)).then(
            () => undefined,
            (err: unknown) => apiErrorText(err),
          ),
        );
        compliant[v] = outcomes.flatMap((refusal, index) => (refusal === undefined ? [index] : []));
        if (v === 'hardened') {
          // Why the rest stays refused (host namespaces, hostPath volumes, ...): the PodSecurity message.
          outcomes.forEach((refusal, index) => {
            if (refusal !== undefined) console.info(`hardened but refused: ${corpus[index]?.name}: ${refusal.replace(/^.*violates PodSecurity "restricted:latest": /, '')}`);
          });
        }
      }
      console.info(
        `restricted namespace without the webhook: ${compliant.asIs.length} of ${corpus.length} corpus pods admitted as they are, ` +
          `${compliant.hardened.length} of ${corpus.length} hardened`,
      );
    });

    it('the control namespace enforces restricted: an unhardened pod is refused by PodSecurity', async () => {
      const refusal = await cluster.dryRunPod('psa-control', appPod('plain')).then(
        () => 'admitted',
        (err: unknown) => apiErrorText(err),
      );
      expect(refusal).toMatch(/violates PodSecurity "restricted:latest"/);
      // The hardened corpus is where the comparison has teeth: most of it is admitted.
      expect(compliant.hardened.length).toBeGreaterThan(corpus.length / 2);
    });

    for (const mode of ['classic', 'native'] as const) {
      it(`${mode}: every corpus pod admitted without the webhook is admitted with it, with exactly one sidecar`, async () => {
        const ns = await injectorNamespace(`psa-corpus-${mode}`, mode, 'restricted');
        await serviceAccounts(ns);
        const problems: string[] = [];
        let admitted = 0;
        for (const v of ['asIs', 'hardened'] as const) {
          await mapLimit(compliant[v], CONCURRENCY, async (index) => {
            const body = variant(v, index);
            const name = body.metadata!.name!;
            try {
              const pod = await cluster.dryRunPod(ns, body);
              const sidecars = sidecarsOf(pod);
              if (sidecars.length !== 1) problems.push(`${name}: ${sidecars.length} sidecars`);
              else if (sidecars[0]?.list !== MODE_LIST[mode]) problems.push(`${name}: sidecar in ${sidecars[0]?.list}`);
              else admitted++;
              const [first, ...again] = reviewsFor(servers[mode], ns, name, { dryRun: true });
              if (first?.action !== 'inject') problems.push(`${name}: first review ${JSON.stringify(first)}`);
              if (again.some((r) => r.patchOperations !== 0)) problems.push(`${name}: a reinvocation patched: ${JSON.stringify(again)}`);
            } catch (err) {
              problems.push(`${name}: refused with the webhook: ${apiErrorText(err)}`);
            }
          });
        }
        console.info(`restricted namespace, ${mode}: ${admitted} of ${compliant.asIs.length + compliant.hardened.length} compliant corpus pods admitted with one sidecar`);
        expect(problems).toEqual([]);
        expect(admitted).toBe(compliant.asIs.length + compliant.hardened.length);
      });
    }
  });

  describe('2. ServiceAccount token mounts', () => {
    for (const mode of ['classic', 'native'] as const) {
      it(`${mode}: the token is mounted into the sidecar after us; our reinvocation has no patch`, async () => {
        const ns = await injectorNamespace(`sa-token-${mode}`, mode);
        await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('token') });
        const stored = await cluster.core.readNamespacedPod({ name: 'token', namespace: ns });
        const sidecars = sidecarsOf(stored);
        expect(sidecars.map((s) => s.list)).toEqual([MODE_LIST[mode]]);
        const mount = sidecars[0]?.container.volumeMounts?.find((m) => m.mountPath === TOKEN_MOUNT_PATH);
        expect(mount?.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
        expect(mount?.readOnly).toBe(true);
        expect(stored.spec?.volumes?.map((v) => v.name)).toEqual([mount?.name]);
        expect(hasTokenMount(stored.spec?.containers.find((c) => c.name === 'app'))).toBe(true);
        // The plugin's change to our container is what reinvokes us: at least two reviews.
        const reviews = reviewsFor(servers[mode], ns, 'token');
        expect(reviews.length).toBeGreaterThanOrEqual(2);
        expect(reviews[0]?.action).toBe('inject');
        for (const r of reviews.slice(1)) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
      });
    }

    it('automountServiceAccountToken: false: no token anywhere, nothing reinvokes us (one review)', async () => {
      const ns = await injectorNamespace('sa-token-off', 'classic');
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('no-token', { spec: { automountServiceAccountToken: false } }) });
      expect(sidecarsOf(pod)).toHaveLength(1);
      expect(allContainers(pod).some(hasTokenMount)).toBe(false);
      expect(reviewsFor(servers.classic, ns, 'no-token').map((r) => [r.action, r.patchOperations > 0])).toEqual([['inject', true]]);
    });
  });

  describe('3. LimitRange', () => {
    const LIMITS = {
      default: { cpu: '200m', memory: '128Mi' },
      defaultRequest: { cpu: '20m', memory: '16Mi' },
      max: { cpu: '1', memory: '512Mi' },
    };

    async function limitRange(ns: string, limits: { default?: Record<string, string>; defaultRequest?: Record<string, string>; max?: Record<string, string> }): Promise<void> {
      // The client's model calls `default` `_default` (a reserved word); other keys are dropped.
      const { default: byDefault, ...rest } = limits;
      const item = { type: 'Container', ...rest, ...(byDefault ? { _default: byDefault } : {}) };
      await cluster.core.createNamespacedLimitRange({ namespace: ns, body: { metadata: { name: 'containers' }, spec: { limits: [item] } } });
      const stored = await cluster.core.readNamespacedLimitRange({ name: 'containers', namespace: ns });
      expect(stored.spec?.limits[0]?._default).toEqual(limits.default ?? limits.max);
    }

    it('defaults go to the app, the sidecar keeps its own resources, and our reinvocation does not fight them', async () => {
      const ns = await injectorNamespace('limit-range', 'classic');
      await limitRange(ns, LIMITS);
      const created = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('limited') });
      const stored = await cluster.core.readNamespacedPod({ name: 'limited', namespace: ns });
      expect(stored).toEqual(created);
      const app = stored.spec?.containers.find((c) => c.name === 'app');
      expect(app?.resources).toEqual({ requests: LIMITS.defaultRequest, limits: LIMITS.default });
      const [sidecar] = sidecarsOf(stored);
      expect(sidecar?.container.resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
      expect(stored.metadata?.annotations?.['kubernetes.io/limit-ranger']).toMatch(/for container app/);
      const reviews = reviewsFor(servers.classic, ns, 'limited');
      expect(reviews[0]?.action).toBe('inject');
      for (const r of reviews.slice(1)) expect(r.patchOperations).toBe(0);
    });

    it('a max below the sidecar\'s limit: the API server (LimitRanger) refuses the labelled pod, saying which limit', async () => {
      const ns = await injectorNamespace('limit-range-max', 'classic');
      await limitRange(ns, { max: { memory: '48Mi' } });
      const refusal = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('over-max') }).then(
        () => 'admitted',
        (err: unknown) => apiErrorText(err),
      );
      expect(refusal).toContain('maximum memory usage per Container is 48Mi, but limit is 64Mi');
      // The same pod without the label (no webhook) is admitted: the sidecar's limit is the reason.
      await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('unlabelled', { inject: false }) });
    });

    it('with the log-shipping template: its init container without resources gets the defaults, and keeps them', async () => {
      const template = await startWebhookServer({
        cert: cluster.certs.webhook,
        caPem: cluster.certs.ca.certPem,
        env: { SIDECAR_TEMPLATE_FILE: writeLogShippingTemplate() },
      });
      const ns = await scenarioNamespace(cluster, 'limit-range-template');
      await limitRange(ns, LIMITS);
      await registerInjector(cluster, { id: 'limit-range-template', baseUrl: template.url });
      await waitUntilActive(cluster, ns);
      await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('limited') });
      const stored = await cluster.core.readNamespacedPod({ name: 'limited', namespace: ns });
      const setup = stored.spec?.initContainers?.find((c) => c.name === 'log-setup');
      expect(setup?.resources).toEqual({ requests: LIMITS.defaultRequest, limits: LIMITS.default });
      expect(sidecarsOf(stored)[0]?.container.resources).toEqual(LOG_SHIPPING_TEMPLATE.containers[0]?.resources);
      expect(stored.metadata?.annotations?.['kubernetes.io/limit-ranger']).toMatch(/for init container log-setup/);
      const reviews = reviewsFor(template, ns, 'limited');
      expect(reviews[0]?.action).toBe('inject');
      expect(reviews.length).toBeGreaterThanOrEqual(2);
      for (const r of reviews.slice(1)) expect(r.patchOperations).toBe(0);
    });
  });

  describe('4. Foreign webhooks: EKS pod identity and digest pinning, IfNeeded, before and after ours', () => {
    let foreign: AdmissionServer;
    beforeAll(async () => {
      foreign = await startAdmissionServer({ cert: cluster.certs.webhook, handle: foreignWebhooks });
    });

    // Configuration names order the calls: "a-…" < "sidecar-injector-…" < "z-…".
    const cases: Array<{ id: string; identity: 'a' | 'z'; pin: 'a' | 'z'; mode: Mode }> = [
      { id: 'foreign-before', identity: 'a', pin: 'a', mode: 'classic' },
      { id: 'foreign-after', identity: 'z', pin: 'z', mode: 'classic' },
      { id: 'foreign-identity-first', identity: 'a', pin: 'z', mode: 'classic' },
      { id: 'foreign-pin-first', identity: 'z', pin: 'a', mode: 'classic' },
      { id: 'foreign-after-native', identity: 'z', pin: 'z', mode: 'native' },
    ];

    /** The three configurations are in force: the probe's app was pinned and given the env, and it has a sidecar. */
    const allThreeActed = (pod: V1Pod): boolean => {
      const app = pod.spec?.containers.find((x) => x.name === 'app');
      return sidecarsOf(pod).length === 1 && !!app?.image?.includes('@sha256:') && !!app.env?.some((e) => e.name === 'AWS_ROLE_ARN');
    };

    function expectForeignChanges(container: V1Container | undefined, what: string): void {
      expect(container, what).toBeDefined();
      for (const [name, value] of Object.entries(POD_IDENTITY.env)) {
        expect(container?.env?.filter((e) => e.name === name), `${what}: env ${name}`).toEqual([{ name, value }]);
      }
      expect(container?.volumeMounts?.filter((m) => m.name === POD_IDENTITY.volume), `${what}: pod identity mount`).toEqual([
        { name: POD_IDENTITY.volume, mountPath: POD_IDENTITY.mountPath, readOnly: true },
      ]);
      expect(hasTokenMount(container), `${what}: service account token mount`).toBe(true);
      expect(container?.image, `${what}: image pinned`).toMatch(/@sha256:[0-9a-f]{64}$/);
    }

    for (const c of cases) {
      const order = `pod identity ${c.identity === 'a' ? 'before' : 'after'} ours, digest pinning ${c.pin === 'a' ? 'before' : 'after'} ours`;
      it(`${c.mode}: ${order}: one sidecar keeping every foreign change, pinned, and our last review has no patch`, async () => {
        const ns = await scenarioNamespace(cluster, c.id);
        const selectors = { namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: c.id } }, objectSelector: { matchLabels: { ...INJECT_LABEL } } };
        await registerForeignWebhook(cluster, { name: `${c.identity}-pod-identity-${c.id}`, url: `${foreign.url}${POD_IDENTITY.path}`, ...selectors });
        await registerForeignWebhook(cluster, { name: `${c.pin}-digest-pin-${c.id}`, url: `${foreign.url}${DIGEST_PIN.path}`, ...selectors });
        await registerInjector(cluster, { id: c.id, baseUrl: servers[c.mode].url });
        await waitUntilActive(cluster, ns, allThreeActed);

        const body = appPod('with-foreign', { spec: { initContainers: [{ name: 'app-init', image: 'registry.example/init:1' }] } });
        await cluster.core.createNamespacedPod({ namespace: ns, body });
        const stored = await cluster.core.readNamespacedPod({ name: 'with-foreign', namespace: ns });

        const sidecars = sidecarsOf(stored);
        expect(sidecars.map((s) => s.list)).toEqual([MODE_LIST[c.mode]]);
        const sidecar = sidecars[0]?.container;
        expectForeignChanges(sidecar, SIDECAR);
        expect(sidecar?.image).toBe(pinnedImage(RELEASE_IMAGE));
        expectForeignChanges(stored.spec?.containers.find((x) => x.name === 'app'), 'app');
        expectForeignChanges(stored.spec?.initContainers?.find((x) => x.name === 'app-init'), 'app-init');
        expect(stored.spec?.containers.find((x) => x.name === 'app')?.image).toBe(pinnedImage('registry.example/app:1.0'));
        const volumes = stored.spec?.volumes?.map((v) => v.name) ?? [];
        expect(volumes.filter((v) => v === POD_IDENTITY.volume)).toHaveLength(1);
        expect(volumes.filter((v) => v.startsWith('kube-api-access-'))).toHaveLength(1);
        expect(stored.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
        expect(stored.metadata?.annotations?.[VERSION_KEY]).toBe('1.2.1');

        const reviews = reviewsFor(servers[c.mode], ns, 'with-foreign');
        expect(reviews[0]?.action).toBe('inject');
        expect(reviews.length).toBeGreaterThanOrEqual(2);
        // No fight: every call after the injection (reinvocations) finds nothing to do.
        expect(reviews.slice(1).map((r) => [r.action, r.patchOperations])).toEqual(reviews.slice(1).map(() => ['unchanged', 0]));
      });
    }

    // The template's sidecar has env and volume mounts of its own: lists a foreign webhook appends
    // to. Converging them by key keeps the foreign items; replacing a list whole would strip them
    // (and the ServiceAccount plugin's mount) on our reinvocation.
    const withEnv = structuredClone(LOG_SHIPPING_TEMPLATE);
    (withEnv.containers[0] as { env?: unknown }).env = [{ name: 'SHIPPER_LEVEL', value: 'info' }];
    for (const mode of ['classic', 'native'] as const) {
      it(`${mode}: with the log-shipping template (+ env): its containers and volumes keep the foreign changes too`, async () => {
        const template = await startWebhookServer({
          cert: cluster.certs.webhook,
          caPem: cluster.certs.ca.certPem,
          env: { SIDECAR_TEMPLATE_FILE: writeLogShippingTemplate(withEnv), ...MODE_ENV[mode] },
        });
        const id = `foreign-template-${mode}`;
        const ns = await podSecurityNamespace(cluster, id, 'restricted');
        const selectors = { namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: id } }, objectSelector: { matchLabels: { ...INJECT_LABEL } } };
        await registerForeignWebhook(cluster, { name: `z-pod-identity-${id}`, url: `${foreign.url}${POD_IDENTITY.path}`, ...selectors });
        await registerForeignWebhook(cluster, { name: `a-digest-pin-${id}`, url: `${foreign.url}${DIGEST_PIN.path}`, ...selectors });
        await registerInjector(cluster, { id, baseUrl: template.url });
        await waitUntilActive(cluster, ns, allThreeActed, restrictedAppPod('activation-probe'));

        await cluster.core.createNamespacedPod({ namespace: ns, body: restrictedAppPod('with-foreign') });
        const stored = await cluster.core.readNamespacedPod({ name: 'with-foreign', namespace: ns });
        const sidecars = sidecarsOf(stored);
        expect(sidecars.map((x) => x.list)).toEqual([MODE_LIST[mode]]);
        const sidecar = sidecars[0]?.container;
        expectForeignChanges(sidecar, SIDECAR);
        expect(sidecar?.image).toBe(pinnedImage(RELEASE_IMAGE));
        expectForeignChanges(stored.spec?.initContainers?.find((x) => x.name === 'log-setup'), 'log-setup');
        expect(stored.spec?.initContainers?.[0]?.name).toBe('log-setup');
        // The template's own items are there next to the foreign ones.
        expect(sidecar?.env?.map((e) => e.name)).toEqual(expect.arrayContaining(['SHIPPER_LEVEL', ...Object.keys(POD_IDENTITY.env)]));
        expect(sidecar?.volumeMounts?.map((m) => m.name)).toEqual(expect.arrayContaining(['app-logs', 'shipper-config', POD_IDENTITY.volume]));
        expect(stored.spec?.volumes?.map((v) => v.name)).toEqual(expect.arrayContaining(['app-logs', 'shipper-config', POD_IDENTITY.volume]));
        expect(sidecar?.args).toEqual(['--config=/etc/shipper/shipper.conf']);
        const reviews = reviewsFor(template, ns, 'with-foreign');
        expect(reviews[0]?.action).toBe('inject');
        expect(reviews.length).toBeGreaterThanOrEqual(2);
        expect(reviews.slice(1).map((r) => r.patchOperations)).toEqual(reviews.slice(1).map(() => 0));
      });
    }
  });
});
