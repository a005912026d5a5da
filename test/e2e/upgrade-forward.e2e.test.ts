// UPGRADE_ON_UPDATE moves a sidecar forward only (issue 8): on an UPDATE through the real API
// server, a pod running an older release is moved to the webhook's release; a pod already on a
// newer one is not downgraded, a hand-pinned image is left alone, and so is a pod that has
// finished (status.phase Succeeded, set through the status subresource). Two webhook servers
// with different releases (1.2.1 and 1.3.0), registered together in both orders or in turn,
// never flip the image back and forth.
//
// The pods of each scenario are created before the injector is registered for their namespace,
// as if injected earlier by an older release; the release here comes from SIDECAR_VERSION
// (ssm-upgrade.e2e.test.ts covers the same move with the release in SSM).
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIGEST_PIN,
  foreignWebhooks,
  pinnedImage,
  registerForeignWebhook,
  requireParts,
  startAdmissionServer,
  startCluster,
  startWebhookServer,
  stopAll,
  waitFor,
  type Cluster,
  type WebhookServer,
} from './harness/index.ts';
import {
  appPod,
  INJECT_LABEL,
  registerInjector,
  reviewsFor,
  SCENARIO_LABEL,
  scenarioNamespace,
  SIDECAR,
  sidecarsOf,
  STATUS_KEY,
  updatePod,
  VERSION_KEY,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);

const REPOSITORY = 'my-org/my-sidecar';

/** A pod as an earlier injection left it: the sidecar at `image`, annotated with `version`. */
function injectedEarlier(name: string, image: string, version: string): V1Pod {
  const pod = appPod(name, { annotations: { [STATUS_KEY]: 'injected', [VERSION_KEY]: version } });
  pod.spec!.containers.push({ name: SIDECAR, image, ports: [{ name: 'http', containerPort: 8080 }] });
  return pod;
}

const sidecarImage = (pod: V1Pod): string | undefined => sidecarsOf(pod)[0]?.container.image;

let touches = 0;
/** An UPDATE that changes only a label (as kubectl label does). */
const touch = (cluster: Cluster, ns: string, name: string): Promise<V1Pod> =>
  updatePod(cluster, ns, name, (pod) => void ((pod.metadata!.labels ??= {}).touched = String(++touches)));

describe.skipIf(gate.skip)(`UPGRADE_ON_UPDATE moves forward only${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let v121: WebhookServer;
  let v130: WebhookServer;

  beforeAll(async () => {
    cluster = await startCluster();
    const tls = { cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem };
    [v121, v130] = await Promise.all([
      startWebhookServer({ ...tls, env: { SIDECAR_VERSION: '1.2.1', UPGRADE_ON_UPDATE: 'true' } }),
      startWebhookServer({ ...tls, env: { SIDECAR_VERSION: '1.3.0', UPGRADE_ON_UPDATE: 'true' } }),
    ]);
  });
  afterAll(stopAll);

  /**
   * Waits until every server in `servers` has reviewed a dry-run UPDATE of `probe` in `ns`: the
   * configurations are in force for UPDATEs (nothing is stored by a dry run).
   */
  async function waitUntilUpdatesReviewed(ns: string, probe: string, servers: WebhookServer[]): Promise<void> {
    await waitFor(
      async () => {
        const pod = await cluster.core.readNamespacedPod({ name: probe, namespace: ns });
        pod.metadata!.labels = { ...pod.metadata!.labels, probe: String(Date.now()) };
        await cluster.core.replaceNamespacedPod({ name: probe, namespace: ns, body: pod, dryRun: 'All' });
        return servers.every((s) => reviewsFor(s, ns, probe, { dryRun: true }).some((r) => r.operation === 'UPDATE'));
      },
      { what: `UPDATE reviews in ${ns}`, timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  describe('one webhook at 1.3.0', () => {
    const ns = 'upgrade-forward';
    beforeAll(async () => {
      await scenarioNamespace(cluster, ns);
      for (const body of [
        injectedEarlier('older', `${REPOSITORY}:1.2.1`, '1.2.1'),
        injectedEarlier('newer', `${REPOSITORY}:1.4.0`, '1.4.0'),
        injectedEarlier('pinned', `${REPOSITORY}:custom`, '1.2.1'),
        injectedEarlier('finished', `${REPOSITORY}:1.2.1`, '1.2.1'),
      ]) {
        await cluster.core.createNamespacedPod({ namespace: ns, body });
      }
      const finished = await cluster.core.readNamespacedPodStatus({ name: 'finished', namespace: ns });
      finished.status = { ...finished.status, phase: 'Succeeded' };
      await cluster.core.replaceNamespacedPodStatus({ name: 'finished', namespace: ns, body: finished });
      await registerInjector(cluster, { id: ns, baseUrl: v130.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns, (pod) => sidecarImage(pod) === `${REPOSITORY}:1.3.0`);
    });

    it('an older sidecar (1.2.1) is moved to 1.3.0: only its image and the version annotation change', async () => {
      const before = await cluster.core.readNamespacedPod({ name: 'older', namespace: ns });
      const after = await touch(cluster, ns, 'older');
      expect(sidecarsOf(after)).toHaveLength(1);
      expect(sidecarImage(after)).toBe(`${REPOSITORY}:1.3.0`);
      expect(after.metadata?.annotations).toEqual({ ...before.metadata?.annotations, [VERSION_KEY]: '1.3.0' });
      const expected = structuredClone(before.spec!);
      expected.containers.find((c) => c.name === SIDECAR)!.image = `${REPOSITORY}:1.3.0`;
      expect(after.spec).toEqual(expected);
      expect(reviewsFor(v130, ns, 'older').filter((r) => r.operation === 'UPDATE').map((r) => r.action)).toEqual(['upgrade']);
    });

    const leftAlone: Array<[string, string, string, string]> = [
      ['newer', 'a newer sidecar (1.4.0) is not downgraded', `${REPOSITORY}:1.4.0`, '1.4.0'],
      ['pinned', 'a hand-pinned image (my-org/my-sidecar:custom) is left alone', `${REPOSITORY}:custom`, '1.2.1'],
      ['finished', 'a pod that has finished (phase Succeeded) is left alone', `${REPOSITORY}:1.2.1`, '1.2.1'],
    ];
    for (const [name, what, image, version] of leftAlone) {
      it(`${what}: the UPDATE gets no patch`, async () => {
        const before = await cluster.core.readNamespacedPod({ name, namespace: ns });
        const after = await touch(cluster, ns, name);
        expect(sidecarImage(after)).toBe(image);
        expect(after.metadata?.annotations?.[VERSION_KEY]).toBe(version);
        expect(after.spec).toEqual(before.spec);
        if (name === 'finished') expect(after.status?.phase).toBe('Succeeded');
        const updates = reviewsFor(v130, ns, name).filter((r) => r.operation === 'UPDATE');
        expect(updates.length).toBeGreaterThanOrEqual(1);
        expect(updates.map((r) => r.patchOperations)).toEqual(updates.map(() => 0));
      });
    }
  });

  // A digest-pinning policy (harness/foreign-webhooks.ts) on CREATE and UPDATE: the pinned
  // 1.2.1 sidecar is an old release (its tag says so) and moves to 1.3.0, the policy pins that,
  // and our reinvocation takes `repo:1.3.0@sha256:…` for the release: no second patch, no flip.
  for (const pin of ['before', 'after'] as const) {
    it(`a digest-pinned sidecar is upgraded and re-pinned by a pinning webhook called ${pin} ours; later UPDATEs change nothing`, async () => {
      const ns = await scenarioNamespace(cluster, `upgrade-pinned-${pin}`);
      const pinner = await startAdmissionServer({ cert: cluster.certs.webhook, handle: foreignWebhooks });
      await cluster.core.createNamespacedPod({ namespace: ns, body: injectedEarlier('pinned-old', pinnedImage(`${REPOSITORY}:1.2.1`), '1.2.1') });
      await registerForeignWebhook(cluster, {
        name: `${pin === 'before' ? 'a' : 'z'}-digest-pin-${ns}`,
        url: `${pinner.url}${DIGEST_PIN.path}`,
        operations: ['CREATE', 'UPDATE'],
        namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: ns } },
        objectSelector: { matchLabels: { ...INJECT_LABEL } },
      });
      await registerInjector(cluster, { id: ns, baseUrl: v130.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns, (pod) => sidecarImage(pod) === pinnedImage(`${REPOSITORY}:1.3.0`));

      const after = await touch(cluster, ns, 'pinned-old');
      expect(sidecarImage(after)).toBe(pinnedImage(`${REPOSITORY}:1.3.0`));
      expect(after.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');
      const again = await touch(cluster, ns, 'pinned-old');
      expect(again.spec).toEqual(after.spec);
      const updates = reviewsFor(v130, ns, 'pinned-old').filter((r) => r.operation === 'UPDATE');
      expect(updates[0]?.action).toBe('upgrade');
      expect(updates.slice(1).map((r) => r.patchOperations)).toEqual(updates.slice(1).map(() => 0));
      // The policy saw the upgraded image and pinned it (the second UPDATE found it pinned).
      expect(pinner.received.filter((r) => r.request.operation === 'UPDATE' && !r.request.dryRun).length).toBeGreaterThanOrEqual(2);
    });
  }

  describe('two releases (1.2.1 and 1.3.0) at once: the image never flips back', () => {
    for (const first of ['1.3.0', '1.2.1'] as const) {
      it(`both registered, ${first} called first: after alternating UPDATEs the stored image stays 1.3.0`, async () => {
        const ns = await scenarioNamespace(cluster, `two-releases-${first.replace(/\./g, '')}-first`);
        await cluster.core.createNamespacedPod({ namespace: ns, body: injectedEarlier('app', `${REPOSITORY}:1.2.1`, '1.2.1') });
        await cluster.core.createNamespacedPod({ namespace: ns, body: injectedEarlier('probe', `${REPOSITORY}:1.2.1`, '1.2.1') });
        // Configuration names order the calls.
        const [a, z] = first === '1.3.0' ? [v130, v121] : [v121, v130];
        await registerInjector(cluster, { id: ns, name: `sidecar-injector-a-${ns}`, baseUrl: a.url, upgradeOnUpdate: true });
        await registerInjector(cluster, { id: ns, name: `sidecar-injector-z-${ns}`, baseUrl: z.url, upgradeOnUpdate: true });
        await waitUntilUpdatesReviewed(ns, 'probe', [v121, v130]);

        for (let i = 0; i < 4; i++) {
          const after = await touch(cluster, ns, 'app');
          expect(sidecarImage(after), `after UPDATE ${i + 1}`).toBe(`${REPOSITORY}:1.3.0`);
          expect(after.metadata?.annotations?.[VERSION_KEY], `after UPDATE ${i + 1}`).toBe('1.3.0');
        }
        const stored = await cluster.core.readNamespacedPod({ name: 'app', namespace: ns });
        expect(sidecarImage(stored)).toBe(`${REPOSITORY}:1.3.0`);
        // 1.2.1 never patched; 1.3.0 upgraded once and then found nothing to do.
        const older = reviewsFor(v121, ns, 'app').filter((r) => r.operation === 'UPDATE');
        expect(older.length).toBeGreaterThanOrEqual(4);
        expect(older.map((r) => r.patchOperations)).toEqual(older.map(() => 0));
        const newer = reviewsFor(v130, ns, 'app').filter((r) => r.operation === 'UPDATE');
        expect(newer.filter((r) => r.patchOperations > 0).map((r) => r.action)).toEqual(['upgrade']);
      });
    }

    it('registered in turn (1.3.0, then 1.2.1, then 1.3.0): the image stays 1.3.0', async () => {
      const ns = await scenarioNamespace(cluster, 'two-releases-in-turn');
      await cluster.core.createNamespacedPod({ namespace: ns, body: injectedEarlier('app', `${REPOSITORY}:1.2.1`, '1.2.1') });
      await cluster.core.createNamespacedPod({ namespace: ns, body: injectedEarlier('probe', `${REPOSITORY}:1.2.1`, '1.2.1') });
      const name = `sidecar-injector-${ns}`;
      for (const [server, turn] of [
        [v130, 1],
        [v121, 2],
        [v130, 3],
      ] as const) {
        await cluster.admission.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
        await registerInjector(cluster, { id: ns, name, baseUrl: server.url, upgradeOnUpdate: true });
        const seen = reviewsFor(server, ns, 'probe', { dryRun: true }).length;
        // The new configuration is in force once this server reviews a dry-run UPDATE of the probe.
        await waitFor(
          async () => {
            const pod = await cluster.core.readNamespacedPod({ name: 'probe', namespace: ns });
            pod.metadata!.labels = { ...pod.metadata!.labels, probe: String(Date.now()) };
            await cluster.core.replaceNamespacedPod({ name: 'probe', namespace: ns, body: pod, dryRun: 'All' });
            return reviewsFor(server, ns, 'probe', { dryRun: true }).length > seen;
          },
          { what: `turn ${turn} in force`, timeoutMs: 30_000, intervalMs: 200 },
        );
        const after = await touch(cluster, ns, 'app');
        expect(sidecarImage(after), `turn ${turn}`).toBe(`${REPOSITORY}:1.3.0`);
        expect(after.metadata?.annotations?.[VERSION_KEY], `turn ${turn}`).toBe('1.3.0');
      }
      const older = reviewsFor(v121, ns, 'app').filter((r) => r.operation === 'UPDATE');
      expect(older.length).toBeGreaterThanOrEqual(1);
      expect(older.map((r) => r.patchOperations)).toEqual(older.map(() => 0));
    });
  });
});
