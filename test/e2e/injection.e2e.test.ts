// The injector behind a real kube-apiserver: creation (issue 4, scenario 1), updates of injected
// and of never-injected pods (scenario 3), and native sidecar mode (scenario 5). One cluster for
// the file; the project's local server (functions/local) over HTTPS is the webhook, registered
// with the stack's own renderer (infra/webhook-config/render.ts). Each scenario has its own
// namespace and configuration (see support/injector.ts), so they do not see each other.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiStatus, requireParts, startCluster, startWebhookServer, stopAll, waitFor, type Cluster, type WebhookServer } from './harness/index.ts';
import {
  apiErrorText,
  appPod,
  INJECT_KEY,
  registerInjector,
  reviewsFor,
  scenarioNamespace,
  serverSideApply,
  SIDECAR,
  sidecarsOf,
  STATUS_KEY,
  updatePod,
  VERSION_KEY,
  waitForRefusal,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);

const IMAGE = 'my-org/my-sidecar:1.2.1';

describe.skipIf(gate.skip)(`injector on a real API server${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  /** Defaults, plus UPGRADE_ON_UPDATE so an UPDATE runs the whole decision (not only triage). */
  let server: WebhookServer;
  let native: WebhookServer;

  beforeAll(async () => {
    cluster = await startCluster();
    const tls = { cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem };
    [server, native] = await Promise.all([
      startWebhookServer({ ...tls, env: { UPGRADE_ON_UPDATE: 'true' } }),
      startWebhookServer({ ...tls, env: { NATIVE_SIDECAR: 'true' } }),
    ]);
  });
  afterAll(stopAll);

  describe('CREATE (the stack\'s configuration: CREATE only, Fail, IfNeeded)', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await scenarioNamespace(cluster, 'create');
      await registerInjector(cluster, { id: 'create', baseUrl: server.url });
      await waitUntilActive(cluster, ns);
    });

    it('a labeled pod is created with exactly one sidecar and the two annotations', async () => {
      const created = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('labeled') });
      const stored = await cluster.core.readNamespacedPod({ name: 'labeled', namespace: ns });
      for (const pod of [created, stored]) {
        expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
        expect(pod.spec?.initContainers ?? []).toEqual([]);
        expect(pod.metadata?.annotations).toEqual({ [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
      }
      const [sidecar] = sidecarsOf(stored);
      expect(sidecar?.container.image).toBe(IMAGE);
      expect(sidecar?.container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
      expect(sidecar?.container.resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
      expect(sidecar?.container.restartPolicy).toBeUndefined();
      // The ServiceAccount admission plugin is reinvoked after webhooks and mounts the token
      // into the container we added; that change reinvokes us (IfNeeded), and we must answer
      // without a patch, or the pod would fail (no third round) or loop.
      expect(sidecar?.container.volumeMounts?.some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount')).toBe(true);
      const [first, ...again] = reviewsFor(server, ns, 'labeled');
      expect([first?.operation, first?.action]).toEqual(['CREATE', 'inject']);
      for (const r of again) expect([r.operation, r.action, r.patchOperations]).toEqual(['CREATE', 'unchanged', 0]);
    });

    // ("~" is not allowed in annotation keys by the API server's validation, so only "/" is real.)
    it('annotation keys with "/" survive (JSON Pointer escaping), other annotations stay', async () => {
      const annotations = { 'example.com/owner': 'team-a', 'a.b/c-d_e': 'w' };
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('escaped', { annotations }) });
      expect(pod.metadata?.annotations).toEqual({ ...annotations, [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
      expect(sidecarsOf(pod)).toHaveLength(1);
    });

    it('a pod with only generateName and an init container is injected once', async () => {
      const body = appPod('x', { spec: { initContainers: [{ name: 'init', image: 'registry.example/init:1' }] } });
      delete body.metadata!.name;
      body.metadata!.generateName = 'gen-';
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      expect(pod.metadata?.name).toMatch(/^gen-/);
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
      expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual(['init']);
    });

    it('a pod that already has the sidecar (by hand, older) is brought to spec, not given a second one', async () => {
      const body = appPod('by-hand');
      body.spec!.containers.push({ name: SIDECAR, image: 'my-org/my-sidecar:0.9.0', args: ['--keep-me'] });
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      const sidecars = sidecarsOf(pod);
      expect(sidecars).toHaveLength(1);
      expect(sidecars[0]?.container.image).toBe(IMAGE);
      expect(sidecars[0]?.container.args).toEqual(['--keep-me']);
      expect(reviewsFor(server, ns, 'by-hand').map((r) => r.action)).toEqual(['converge']);
    });

    // Pods the API server would refuse by themselves (duplicate container names) or keep waiting
    // (an init container that never ends) unless the webhook converges them first.
    const byHand: Array<[string, Partial<V1Pod['spec']>, (pod: V1Pod) => void]> = [
      [
        'the sidecar twice among containers',
        { containers: [{ name: 'app', image: 'registry.example/app:1' }, { name: SIDECAR, image: 'x/a:1' }, { name: SIDECAR, image: 'x/b:1' }] },
        (pod) => expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]),
      ],
      [
        'the sidecar in containers and in initContainers',
        {
          initContainers: [{ name: SIDECAR, image: 'x/a:1' }],
          containers: [{ name: 'app', image: 'registry.example/app:1' }, { name: SIDECAR, image: 'x/b:1' }],
        },
        (pod) => {
          expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
          expect(pod.spec?.initContainers ?? []).toEqual([]);
        },
      ],
      [
        'the sidecar as an init container without restartPolicy',
        { initContainers: [{ name: SIDECAR, image: 'x/a:1' }], containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        (pod) => expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy])).toEqual([[SIDECAR, 'Always']]),
      ],
      [
        'the sidecar as the only container, with cpu written as 0.1',
        { containers: [{ name: SIDECAR, image: 'x/a:1', resources: { limits: { cpu: '0.1' } } }] },
        (pod) => expect(pod.spec?.containers.map((c) => [c.name, c.resources?.limits?.cpu])).toEqual([[SIDECAR, '100m']]),
      ],
    ];
    byHand.forEach(([what, spec, check], i) => {
      it(`a pod with ${what} is accepted with exactly one sidecar, and no second patch`, async () => {
        const name = `by-hand-${i}`;
        const body = appPod(name, { spec });
        const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
        expect(sidecarsOf(pod)).toHaveLength(1);
        expect(sidecarsOf(pod)[0]?.container.image).toBe(IMAGE);
        check(pod);
        const [first, ...again] = reviewsFor(server, ns, name);
        expect(first?.action).toBe('converge');
        for (const r of again) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
      });
    });

    it('a big pod (about 1 MB: 20 containers with 400 env vars each) is injected once', async () => {
      const containers = Array.from({ length: 20 }, (_, c) => ({
        name: `app-${c}`,
        image: 'registry.example/app:1',
        env: Array.from({ length: 400 }, (_, e) => ({ name: `VAR_${e}`, value: 'x'.repeat(100) })),
      }));
      const body = appPod('big', { spec: { containers } });
      expect(JSON.stringify(body).length).toBeGreaterThan(900_000);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      expect(sidecarsOf(pod)).toHaveLength(1);
      expect(pod.spec?.containers).toHaveLength(21);
      const [first, ...again] = reviewsFor(server, ns, 'big');
      expect(first?.action).toBe('inject');
      for (const r of again) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
    });

    // Admission accepts a clash of port name and number with the app (the API server only warns);
    // at run time both containers share one network namespace and cannot both bind 8080. The
    // webhook does not look for this; a warning there would be a design choice, noted in the report.
    it('an app whose own port is named "http" on 8080, like the sidecar\'s, is still accepted', async () => {
      const body = appPod('port-clash', {
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      });
      let pod: V1Pod;
      try {
        pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      } catch (err) {
        throw new Error(`refused: ${apiErrorText(err)}`);
      }
      expect(sidecarsOf(pod)).toHaveLength(1);
    });

    it('an unlabeled pod is untouched (the objectSelector keeps it from the webhook)', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('unlabeled', { inject: false }) });
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(pod.metadata?.annotations).toBeUndefined();
      expect(reviewsFor(server, ns, 'unlabeled')).toEqual([]);
    });

    it('an opted-out pod is untouched: never sent (matchConditions), or, with a value only the webhook reads as opt-out, skipped and logged', async () => {
      const pod = await cluster.core.createNamespacedPod({
        namespace: ns,
        body: appPod('opted-out', { annotations: { [INJECT_KEY]: 'false' } }),
      });
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(pod.metadata?.annotations).toEqual({ [INJECT_KEY]: 'false' });
      // The exact value stays inside the API server: the webhook is not called.
      expect(reviewsFor(server, ns, 'opted-out')).toEqual([]);
      // Surrounding spaces: the matchCondition (exact values only) lets it through, the webhook trims and skips.
      const spaced = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('opted-out-spaced', { annotations: { [INJECT_KEY]: ' Off ' } }) });
      expect(spaced.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(reviewsFor(server, ns, 'opted-out-spaced').map((r) => [r.action, r.reason, r.patchOperations])).toEqual([['skip', 'opt-out', 0]]);
    });
  });

  describe('UPDATE (upgradeOnUpdate registered: CREATE and UPDATE)', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await scenarioNamespace(cluster, 'update');
      await registerInjector(cluster, { id: 'update', baseUrl: server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
    });

    it('label, annotation and app-image updates of an injected pod are accepted and get no patch', async () => {
      const created = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('injected') });
      const sidecarBefore = sidecarsOf(created)[0]?.container;
      expect(sidecarBefore?.image).toBe(IMAGE);

      const changes: Array<[string, (pod: V1Pod) => void]> = [
        ['label', (pod) => void (pod.metadata!.labels!.tier = 'web')],
        ['annotation', (pod) => void (pod.metadata!.annotations!['example.com/note'] = 'hello')],
        ['app image', (pod) => void (pod.spec!.containers[0]!.image = 'registry.example/app:2.0')],
      ];
      for (const [what, change] of changes) {
        const updated = await updatePod(cluster, ns, 'injected', change);
        expect(sidecarsOf(updated), what).toHaveLength(1);
        expect(sidecarsOf(updated)[0]?.container, what).toEqual(sidecarBefore);
        expect(updated.metadata?.annotations?.[STATUS_KEY], what).toBe('injected');
        expect(updated.metadata?.annotations?.[VERSION_KEY], what).toBe('1.2.1');
      }
      const stored = await cluster.core.readNamespacedPod({ name: 'injected', namespace: ns });
      expect(stored.metadata?.labels?.tier).toBe('web');
      expect(stored.metadata?.annotations?.['example.com/note']).toBe('hello');
      expect(stored.spec?.containers[0]?.image).toBe('registry.example/app:2.0');

      const updates = reviewsFor(server, ns, 'injected').filter((r) => r.operation === 'UPDATE');
      expect(updates).toHaveLength(3);
      for (const r of updates) expect([r.action, r.reason, r.patchOperations]).toEqual(['unchanged', 'sidecar at current release', 0]);
    });

    it('server-side apply: created injected, re-applied (sidecar not in the manifest) and the sidecar stays', async () => {
      const manifest = appPod('applied');
      const created = await serverSideApply(cluster, ns, manifest);
      expect(sidecarsOf(created)).toHaveLength(1);
      manifest.metadata!.labels!.tier = 'web';
      const reapplied = await serverSideApply(cluster, ns, manifest);
      expect(reapplied.metadata?.labels?.tier).toBe('web');
      expect(reapplied.spec?.containers.map((c) => c.name)).toEqual(['app', SIDECAR]);
      expect(reapplied.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
      const updates = reviewsFor(server, ns, 'applied').filter((r) => r.operation === 'UPDATE');
      expect(updates.map((r) => [r.action, r.patchOperations])).toEqual([['unchanged', 0]]);
    });

    it('pods created while injection was off stay updatable and deletable (finalizer removal); hand-made sidecars without annotations', async () => {
      const offNs = await scenarioNamespace(cluster, 'update-off');
      const body = appPod('before-webhook');
      body.metadata!.finalizers = ['e2e.example.com/hold'];
      await cluster.core.createNamespacedPod({ namespace: offNs, body });
      // And two with a sidecar added by hand and no annotations at all (checked below): one at
      // the release's image, one at an older one.
      const handMade = appPod('hand-made');
      handMade.spec!.containers.push({ name: SIDECAR, image: IMAGE });
      await cluster.core.createNamespacedPod({ namespace: offNs, body: handMade });
      const handMadeOld = appPod('hand-made-old');
      handMadeOld.spec!.containers.push({ name: SIDECAR, image: 'my-org/my-sidecar:0.9.0' });
      await cluster.core.createNamespacedPod({ namespace: offNs, body: handMadeOld });

      await registerInjector(cluster, { id: 'update-off', baseUrl: server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, offNs);

      const relabeled = await updatePod(cluster, offNs, 'before-webhook', (pod) => void (pod.metadata!.labels!.tier = 'web'));
      expect(relabeled.metadata?.labels?.tier).toBe('web');
      expect(relabeled.spec?.containers.map((c) => c.name)).toEqual(['app']);

      await cluster.core.deleteNamespacedPod({ name: 'before-webhook', namespace: offNs });
      const terminating = await cluster.core.readNamespacedPod({ name: 'before-webhook', namespace: offNs });
      expect(terminating.metadata?.deletionTimestamp).toBeDefined();
      await updatePod(cluster, offNs, 'before-webhook', (pod) => void (pod.metadata!.finalizers = []));
      await waitFor(
        async () =>
          cluster.core.readNamespacedPod({ name: 'before-webhook', namespace: offNs }).then(
            () => false,
            (err: unknown) => apiStatus(err) === 404,
          ),
        { what: 'pod gone after finalizer removal', timeoutMs: 30_000, intervalMs: 200 },
      );

      // Neither UPDATE reached the webhook: the rendered matchConditions keep UPDATEs of a pod
      // without the sidecar, and of a pod being deleted, inside the API server (the webhook would
      // have skipped both; fail-safe.e2e.test.ts counts the calls with and without them).
      expect(reviewsFor(server, offNs, 'before-webhook')).toEqual([]);

      // UPGRADE_ON_UPDATE, a sidecar at the release's image and no annotations map: our annotations
      // are added and the map is created (adding /metadata/annotations/<key> to a pod without
      // annotations would fail); the spec is untouched.
      const before = await cluster.core.readNamespacedPod({ name: 'hand-made', namespace: offNs });
      expect(before.metadata?.annotations).toBeUndefined();
      const annotated = await updatePod(cluster, offNs, 'hand-made', (pod) => void (pod.metadata!.labels!.tier = 'web'));
      expect(annotated.spec).toEqual(before.spec);
      expect(annotated.metadata?.annotations).toEqual({ [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
      expect(reviewsFor(server, offNs, 'hand-made').map((r) => [r.operation, r.action])).toEqual([['UPDATE', 'converge']]);

      // An older image without a version annotation: nothing says which release it runs, so it
      // counts as pinned by hand and is left alone (upgrades only move forward from a known
      // release: README, How it decides; upgrade-forward.e2e.test.ts).
      const oldBefore = await cluster.core.readNamespacedPod({ name: 'hand-made-old', namespace: offNs });
      const left = await updatePod(cluster, offNs, 'hand-made-old', (pod) => void (pod.metadata!.labels!.tier = 'web'));
      expect(left.spec).toEqual(oldBefore.spec);
      expect(left.metadata?.annotations).toBeUndefined();
      expect(reviewsFor(server, offNs, 'hand-made-old').map((r) => [r.operation, r.action, r.patchOperations])).toEqual([['UPDATE', 'unchanged', 0]]);
    });
  });

  describe('SIDECAR_CONTAINER_JSON extras', () => {
    it('fields the API server defaults (probe, fieldRef) are accepted, and reinvocation finds nothing to do', async () => {
      const extras = {
        args: ['--verbose'],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
      };
      const extrasServer = await startWebhookServer({
        cert: cluster.certs.webhook,
        caPem: cluster.certs.ca.certPem,
        env: { SIDECAR_CONTAINER_JSON: JSON.stringify(extras) },
      });
      const ns = await scenarioNamespace(cluster, 'extras');
      await registerInjector(cluster, { id: 'extras', baseUrl: extrasServer.url });
      await waitUntilActive(cluster, ns);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('with-extras') });
      const sidecars = sidecarsOf(pod);
      expect(sidecars).toHaveLength(1);
      const sidecar = sidecars[0]!.container;
      expect(sidecar.args).toEqual(['--verbose']);
      // The API server filled in defaults inside our fields; that must not count as a difference.
      expect(sidecar.env?.[0]?.valueFrom?.fieldRef?.apiVersion).toBe('v1');
      expect(sidecar.readinessProbe?.periodSeconds).toBe(10);
      const [first, ...again] = reviewsFor(extrasServer, ns, 'with-extras');
      expect(first?.action).toBe('inject');
      for (const r of again) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
    });

    // README: "A bad value stops the function with a message naming the variable ...; it never
    // reaches a pod." Values the API server cannot decode into a Container must therefore stop
    // the server at start. FAILING as of this writing (a bug in functions/shell/settings.ts, which
    // only checks for a JSON object without reserved keys): the server starts, and the API server
    // refuses every labeled pod with "Internal error occurred: json: cannot unmarshal string into
    // Go struct field Container.spec.containers.args of type []string" (resp. "number into ...
    // EnvVar.spec.containers.env.value of type string"). failurePolicy does not help: a patch the
    // API server cannot decode is not a failed call, so the pod is refused under Ignore too
    // (checked by hand against this API server).
    for (const [what, json] of [
      ['args as a string', '{"args":"--verbose"}'],
      ['an env value as a number', '{"env":[{"name":"LEVEL","value":3}]}'],
    ] as const) {
      it(`an extra the API server cannot decode (${what}) stops the server at start, never reaching a pod`, async () => {
        const id = `bad-extras-${what.replace(/[^a-z]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
        const started = await startWebhookServer({
          cert: cluster.certs.webhook,
          caPem: cluster.certs.ca.certPem,
          env: { SIDECAR_CONTAINER_JSON: json },
          readyTimeoutMs: 30_000,
        }).then(
          (s) => s,
          (err: unknown) => err as Error,
        );
        if (started instanceof Error) {
          expect(started.message).toMatch(/SIDECAR_CONTAINER_JSON/);
          return;
        }
        // It started: show what the cluster then does with a labeled pod, for the bug report.
        const ns = await scenarioNamespace(cluster, id);
        await registerInjector(cluster, { id, baseUrl: started.url });
        await waitFor(
          async () => {
            await cluster.dryRunPod(ns, appPod('activation-probe')).catch(() => undefined);
            return reviewsFor(started, ns, 'activation-probe', { dryRun: true }).length > 0;
          },
          { what: `webhook active in ${ns}`, timeoutMs: 30_000, intervalMs: 200 },
        );
        const outcome = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('victim') }).then(
          () => 'created',
          (err: unknown) => `refused: ${apiErrorText(err)}`,
        );
        expect.fail(`the server started with SIDECAR_CONTAINER_JSON=${json}; a labeled pod was then ${outcome}`);
      });
    }
  });

  describe('WEBHOOK_PATH_TOKEN (the stack\'s pathToken)', () => {
    const token = 'e2e-token-0123456789abcdef';
    let tokenServer: WebhookServer;
    beforeAll(async () => {
      tokenServer = await startWebhookServer({
        cert: cluster.certs.webhook,
        caPem: cluster.certs.ca.certPem,
        env: { WEBHOOK_PATH_TOKEN: token },
      });
    });

    it('the token as the last path segment works although the API server appends ?timeout=10s', async () => {
      const ns = await scenarioNamespace(cluster, 'token-right');
      await registerInjector(cluster, { id: 'token-right', baseUrl: tokenServer.url, path: `/mutate/${token}` });
      await waitUntilActive(cluster, ns);
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('with-token') });
      expect(sidecarsOf(pod)).toHaveLength(1);
    });

    it('a wrong token gets 404, and under Fail the API server refuses the pod', async () => {
      const ns = await scenarioNamespace(cluster, 'token-wrong');
      await registerInjector(cluster, { id: 'token-wrong', baseUrl: tokenServer.url, path: '/mutate/not-the-token-000000' });
      const message = await waitForRefusal(cluster, ns, 'wrong-token configuration active');
      expect(message).toContain('failed calling webhook "sidecar-injector.injector.my-company.com"');
      expect(message).toMatch(/could not find the requested resource/);
    });
  });

  describe('native sidecar mode (NATIVE_SIDECAR=true)', () => {
    let ns: string;
    beforeAll(async () => {
      ns = await scenarioNamespace(cluster, 'native');
      await registerInjector(cluster, { id: 'native', baseUrl: native.url });
      await waitUntilActive(cluster, ns);
    });

    it('the API server accepts the pod; the sidecar is the only init container, restartPolicy Always', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('native-plain') });
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(pod.spec?.initContainers?.map((c) => [c.name, c.restartPolicy, c.image])).toEqual([[SIDECAR, 'Always', IMAGE]]);
      expect(pod.metadata?.annotations).toEqual({ [STATUS_KEY]: 'injected', [VERSION_KEY]: '1.2.1' });
    });

    it('with existing init containers the sidecar comes first', async () => {
      const body = appPod('native-init', {
        spec: { initContainers: [{ name: 'migrate', image: 'registry.example/migrate:1' }, { name: 'warm', image: 'registry.example/warm:1' }] },
      });
      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body });
      expect(pod.spec?.initContainers?.map((c) => c.name)).toEqual([SIDECAR, 'migrate', 'warm']);
      expect(pod.spec?.initContainers?.[0]?.restartPolicy).toBe('Always');
      expect(pod.spec?.initContainers?.[1]?.restartPolicy).toBeUndefined();
      expect(sidecarsOf(pod)).toHaveLength(1);
    });
  });
  // Last in this file: this configuration matches labeled pods in every namespace of the cluster.
  describe('the stack\'s configuration as rendered, without a namespaceSelector of ours', () => {
    it('labeled pods are injected in an ordinary namespace, never in kube-system, kube-public or kube-node-lease', async () => {
      const allServer = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
      await registerInjector(cluster, { id: 'all', baseUrl: allServer.url, allNamespaces: true });
      const plain = await cluster.createNamespace('plain-namespace');
      await waitUntilActive(cluster, plain);
      const pod = await cluster.core.createNamespacedPod({ namespace: plain, body: appPod('anywhere') });
      expect(sidecarsOf(pod)).toHaveLength(1);
      for (const system of ['kube-system', 'kube-public', 'kube-node-lease']) {
        await cluster.createNamespace(system);
        const sys = await cluster.core.createNamespacedPod({ namespace: system, body: appPod('system-pod') });
        expect(sys.spec?.containers.map((c) => c.name), system).toEqual(['app']);
        expect(reviewsFor(allServer, system, 'system-pod'), system).toEqual([]);
      }
    });
  });
});
