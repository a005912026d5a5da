// `sidecar-injector status` (issue 11, part 1) against a real kube-apiserver: pods made by the
// real webhook at one release, the release moved in SSM (moto), and the CLI, in this process,
// lists them through client-node from a kubeconfig file and classifies them with the core.
// What only a real API server shows: a pod the webhook injected, as stored (defaults added,
// the ServiceAccount volume mounted into our container), classifies as current with no
// spurious template drift, and a pod called `in-place` really is moved in place by an UPDATE.
import type { V1Pod } from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli/main.ts';
import type { FleetReport } from '../../functions/core/fleet/report.ts';
import { memoryIo } from '../support/cli-io.ts';
import { requireParts, startCluster, startMoto, startWebhookServer, stopAll, waitFor, type Cluster, type Moto, type WebhookServer } from './harness/index.ts';
import { appPod, INJECT_KEY, registerInjector, scenarioNamespace, sidecarsOf, updatePod, VERSION_KEY, waitUntilActive } from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl']);

const VERSION_PARAMETER = '/fleet/version';
const IMAGE_PARAMETER = '/fleet/image';
const REPOSITORY = 'registry.example/my-sidecar';
const ID = 'fleet-status';
const CONFIGURATION = `sidecar-injector-${ID}`;

/** A pod as a Deployment's ReplicaSet makes it: owner reference and pod-template-hash (no controller runs here). */
function replicaPod(deployment: string, hash: string, index: number): V1Pod {
  const pod = appPod(`${deployment}-${hash}-${index}`, { labels: { app: deployment, 'pod-template-hash': hash } });
  pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-${hash}`, uid: `00000000-0000-0000-0000-00000000000${index}`, controller: true }];
  return pod;
}

describe.skipIf(gate.skip)(`sidecar-injector status${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let moto: Moto;
  let server: WebhookServer;
  let ns: string;
  let kubeconfig: string;
  let env: Record<string, string | undefined>;

  async function status(args: string[], extraEnv: Record<string, string | undefined> = {}) {
    const io = memoryIo({});
    const code = await runCli(['status', '--webhook-configuration', CONFIGURATION, ...args], { ...env, ...extraEnv }, io);
    return { code, out: io.out, err: io.err };
  }

  async function jsonStatus(args: string[] = [], extraEnv: Record<string, string | undefined> = {}) {
    const result = await status(['--kubeconfig', kubeconfig, '-n', ns, '-o', 'json', ...args], extraEnv);
    return { ...result, report: JSON.parse(result.out) as FleetReport };
  }

  beforeAll(async () => {
    cluster = await startCluster();
    moto = await startMoto();
    await moto.putParameter(VERSION_PARAMETER, '1.2.1');
    await moto.putParameter(IMAGE_PARAMETER, REPOSITORY);
    env = { ...moto.env, SSM_VERSION_PARAMETER: VERSION_PARAMETER, SSM_IMAGE_PARAMETER: IMAGE_PARAMETER, SSM_CACHE_TTL_SECONDS: '1', UPGRADE_ON_UPDATE: 'true' };
    server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem, env: env as Record<string, string> });
    ns = await scenarioNamespace(cluster, ID);
    await registerInjector(cluster, { id: ID, baseUrl: server.url, upgradeOnUpdate: true });
    await waitUntilActive(cluster, ns);
    kubeconfig = cluster.kubeconfigFile;

    // At 1.2.1: three replicas of Deployment web, a bare pod, an opted-out pod, an unlabelled pod.
    for (const index of [1, 2, 3]) await cluster.core.createNamespacedPod({ namespace: ns, body: replicaPod('web', '6b8f7c9d5', index) });
    await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('bare') });
    await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('quiet', { annotations: { [INJECT_KEY]: 'false' } }) });
    await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('plain', { inject: false }) });
    // Labelled after it was created: the webhook saw only an UPDATE, which cannot add a container.
    await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('late', { inject: false }) });
    await updatePod(cluster, ns, 'late', (pod) => void (pod.metadata!.labels!['sidecar-injection'] = 'enabled'));
  });
  afterAll(stopAll);

  it('at the release it reports the pods it injected as current (no spurious drift from the API server\'s defaults), the late-labelled pod as missing, and exits 1', async () => {
    const { code, report, err } = await jsonStatus();
    expect(err).toContain(`release 1.2.1 (${REPOSITORY}:1.2.1) from SSM ${VERSION_PARAMETER}, ${IMAGE_PARAMETER}`);
    expect(report.totals).toEqual({ pods: 7, current: 4, outdated: 0, mismatch: 0, missing: 1, skipped: 1, 'not-selected': 1, completed: 0 });
    expect(report.pods.map((p) => [p.name, p.classification.state, p.classification.skipReason ?? ''])).toEqual(
      expect.arrayContaining([['late', 'missing', ''], ['quiet', 'skipped', 'opt-out']]),
    );
    expect(code).toBe(1);
  });

  it('after PutParameter it reports the drift by workload (a Deployment resolved from its ReplicaSet), how far behind and how it moves', async () => {
    await moto.putParameter(VERSION_PARAMETER, '1.3.0');
    const { code, report } = await jsonStatus();
    expect(code).toBe(1);
    expect(report.release).toEqual({ version: '1.3.0', image: `${REPOSITORY}:1.3.0` });
    expect(report.totals).toMatchObject({ current: 0, outdated: 4, missing: 1 });
    const web = report.workloads.find((w) => w.workload === 'Deployment/web');
    expect(web).toMatchObject({ namespace: ns, pods: 3, versions: { '1.2.1': 3 }, upgrade: 'in-place' });
    expect(web?.counts.outdated).toBe(3);
    expect(report.pods.filter((p) => p.classification.state === 'outdated').every((p) => p.classification.gap === 'minor')).toBe(true);
  });

  it('a pod it calls in-place is moved in place by the webhook on UPDATE, and then counts as current', async () => {
    await waitFor(async () => sidecarsOf(await cluster.dryRunPod(ns, appPod('probe')))[0]?.container.image === `${REPOSITORY}:1.3.0`, {
      what: 'the webhook serving 1.3.0',
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    for (const name of ['web-6b8f7c9d5-1', 'web-6b8f7c9d5-2', 'web-6b8f7c9d5-3', 'bare']) {
      const moved = await updatePod(cluster, ns, name, (pod) => void (pod.metadata!.annotations!['fleet.example/touch'] = '1'));
      expect(sidecarsOf(moved)[0]?.container.image).toBe(`${REPOSITORY}:1.3.0`);
      expect(moved.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');
    }
    const { report } = await jsonStatus();
    expect(report.totals).toMatchObject({ current: 4, outdated: 0, missing: 1 });
  });

  it('a template changed beyond the image is drift that only a restart moves', async () => {
    const { report } = await jsonStatus([], { SIDECAR_CONTAINER_JSON: '{"args":["--log-level=debug"]}' });
    expect(report.workloads.find((w) => w.workload === 'Deployment/web')).toMatchObject({ upgrade: 'restart' });
    expect(report.pods.find((p) => p.name === 'bare')?.classification).toMatchObject({ state: 'outdated', gap: 'template', upgrade: 'restart' });
  });

  it('pages through the pods with limit/continue: one LIST per page, plus the namespace and the webhook configuration', async () => {
    const { err, report } = await jsonStatus(['--chunk-size', '2']);
    expect(report.totals.pods).toBe(7);
    // 7 pods in pages of 2: 4 LISTs; GET namespace; GET MutatingWebhookConfiguration.
    expect(err).toContain('6 API requests');
  });

  it('prints a kubectl-style table from KUBECONFIG, and exits 0 once converged', async () => {
    await cluster.core.deleteNamespacedPod({ name: 'late', namespace: ns, gracePeriodSeconds: 0 });
    await waitFor(async () => (await cluster.core.listNamespacedPod({ namespace: ns, fieldSelector: 'metadata.name=late' })).items.length === 0, {
      what: 'pod late deleted',
      timeoutMs: 30_000,
    });
    const { code, out } = await status(['-n', ns], { KUBECONFIG: kubeconfig });
    expect(out).toMatch(/^NAMESPACE\s+WORKLOAD\s+PODS\s+CURRENT\s+OUTDATED\s+MISMATCH\s+MISSING\s+SKIPPED\s+VERSIONS\s+UPGRADE\n/);
    expect(out).toMatch(new RegExp(`\\n${ns}\\s+Deployment/web\\s+3\\s+3\\s+0\\s+0\\s+0\\s+0\\s+1\\.3\\.0=3\\s+-\\n`));
    expect(out).toContain('Pods: 6 in 1 namespaces: 4 current, 0 outdated, 0 mismatch, 0 missing, 1 skipped, 1 not selected; 0 completed (not counted)');
    expect(out).toContain('Converged.');
    expect(code).toBe(0);
  });

  it('exits 3 with the API server\'s message when it may not list pods', async () => {
    const bad = join(cluster.dir, 'kubeconfig-bad-token');
    writeFileSync(bad, cluster.kubeConfig.exportConfig().replace(cluster.token, 'not-a-valid-token'), { mode: 0o600 });
    const { code, err } = await status(['--kubeconfig', bad, '-n', ns]);
    expect(code).toBe(3);
    expect(err).toMatch(/sidecar-injector status: .*401/);
  });
});
