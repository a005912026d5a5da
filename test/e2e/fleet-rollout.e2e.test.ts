// `sidecar-injector rollout` (issue 11, parts 2 and 3) against a real control plane with
// kube-controller-manager: Deployments really make ReplicaSets and pods through the webhook, a
// restart really goes through the Deployment's own rolling update. No kubelet runs; the fake
// kubelet (harness/kubelet.ts) reports containers running their specified images, so waves can
// wait for Ready pods. The release comes from moto (SSM); the CLI runs in this process.
// The scenarios share one cluster and run in order; each has its own namespace and webhook.
import { AppsV1Api, type V1Deployment, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../functions/cli/main.ts';
import { cohortBucket } from '../../functions/core/fleet/cohort.ts';
import type { FleetReport } from '../../functions/core/fleet/report.ts';
import { memoryIo } from '../support/cli-io.ts';
import {
  freePort,
  requireParts,
  startCluster,
  startFakeKubelet,
  startMoto,
  startWebhookServer,
  stopAll,
  waitFor,
  type Cluster,
  type FakeKubelet,
  type Moto,
  type WebhookServer,
} from './harness/index.ts';
import { INJECT_LABEL, registerInjector, scenarioNamespace, SIDECAR, sidecarsOf, VERSION_KEY, waitUntilActive } from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'kube-controller-manager', 'etcd', 'moto', 'openssl']);
const REPOSITORY = 'registry.example/my-sidecar';

interface Release {
  version: string;
  image: string;
  canary: string;
}

describe.skipIf(gate.skip)(`sidecar-injector rollout${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let apps: AppsV1Api;
  let moto: Moto;
  let kubelet: FakeKubelet;

  /** A webhook server with its own SSM parameters, and the environment the CLI shares with it. */
  async function webhookFor(prefix: string, version: string, extra: Record<string, string> = {}) {
    const parameters: Release = { version: `/${prefix}/version`, image: `/${prefix}/image`, canary: `/${prefix}/canary` };
    await moto.putParameter(parameters.version, version);
    await moto.putParameter(parameters.image, REPOSITORY);
    const env = {
      ...moto.env,
      SSM_VERSION_PARAMETER: parameters.version,
      SSM_IMAGE_PARAMETER: parameters.image,
      SSM_CANARY_PARAMETER: parameters.canary,
      SSM_CACHE_TTL_SECONDS: '1',
      UPGRADE_ON_UPDATE: 'true',
      ...extra,
    };
    const server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem, env });
    return { server, env, parameters };
  }

  async function cli(args: string[], env: Record<string, string | undefined>) {
    const io = memoryIo({});
    const code = await runCli([...args, '--kubeconfig', cluster.kubeconfigFile], env, io);
    return { code, out: io.out, err: io.err };
  }

  async function status(ns: string, id: string, env: Record<string, string | undefined>) {
    const result = await cli(['status', '-n', ns, '-o', 'json', '--webhook-configuration', `sidecar-injector-${id}`], env);
    return { ...result, report: JSON.parse(result.out) as FleetReport };
  }

  const rollout = (ns: string, id: string, env: Record<string, string | undefined>, extra: string[] = []) =>
    cli(['rollout', '-n', ns, '--webhook-configuration', `sidecar-injector-${id}`, '--poll-interval', '250', ...extra], env);

  function deployment(name: string, replicas: number, annotations: Record<string, string> = {}): V1Deployment {
    return {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, ...INJECT_LABEL }, annotations },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
        },
      },
    };
  }

  function statefulSet(name: string, replicas: number): V1StatefulSet {
    return {
      metadata: { name },
      spec: {
        replicas,
        serviceName: name,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name, ...INJECT_LABEL } }, spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] } },
      },
    };
  }

  const podsOf = async (ns: string): Promise<V1Pod[]> => (await cluster.core.listNamespacedPod({ namespace: ns })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const sidecarImage = (pod: V1Pod) => sidecarsOf(pod)[0]?.container.image;
  const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

  /** Until the namespace holds exactly `count` Ready pods that satisfy `check`. */
  async function settled(ns: string, count: number, check: (pod: V1Pod) => boolean = () => true): Promise<V1Pod[]> {
    let pods: V1Pod[] = [];
    await waitFor(
      async () => {
        pods = await podsOf(ns);
        return pods.length === count && pods.every((p) => isReady(p) && check(p));
      },
      { what: `${count} Ready pods in ${ns}`, timeoutMs: 90_000, intervalMs: 300 },
    );
    return pods;
  }

  /** Until the webhook serves `image` to new pods of `ns` (its SSM cache has caught up). */
  async function serving(ns: string, image: string, annotations: Record<string, string> = {}) {
    await waitFor(
      async () => sidecarImage(await cluster.dryRunPod(ns, { metadata: { name: 'probe', labels: { ...INJECT_LABEL }, annotations }, spec: { containers: [{ name: 'a', image: 'b' }] } })) === image,
      { what: `the webhook serving ${image} in ${ns}`, timeoutMs: 30_000, intervalMs: 250 },
    );
  }

  beforeAll(async () => {
    cluster = await startCluster({ controllerManager: true });
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    moto = await startMoto();
    kubelet = startFakeKubelet(cluster);
  });
  afterAll(stopAll);

  describe('an SSM version change moved in place, in waves', () => {
    const id = 'roll-inplace';
    let ns: string;
    let env: Record<string, string>;
    let before: Map<string, string>;

    beforeAll(async () => {
      const webhook = await webhookFor(id, '1.2.1');
      env = webhook.env;
      ns = await scenarioNamespace(cluster, id);
      await registerInjector(cluster, { id, baseUrl: webhook.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3) });
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('api', 2) });
      await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('db', 2) });
      const pods = await settled(ns, 7, (p) => sidecarImage(p) === `${REPOSITORY}:1.2.1`);
      before = new Map(pods.map((p) => [p.metadata!.name!, p.metadata!.uid!]));
      await moto.putParameter(webhook.parameters.version, '1.3.0');
      await serving(ns, `${REPOSITORY}:1.3.0`);
    });

    it('status reports the drift: 7 pods outdated, all movable in place', async () => {
      const { code, report } = await status(ns, id, env);
      expect(code).toBe(1);
      expect(report.totals).toMatchObject({ pods: 7, outdated: 7, current: 0 });
      expect(report.workloads.map((w) => [w.workload, w.pods, w.upgrade])).toEqual([
        ['Deployment/api', 2, 'in-place'],
        ['Deployment/web', 3, 'in-place'],
        ['StatefulSet/db', 2, 'in-place'],
      ]);
    });

    it('--dry-run prints the waves and changes nothing', async () => {
      const { code, out, err } = await rollout(ns, id, env, ['--batch-size', '3', '--dry-run']);
      expect(code).toBe(0);
      expect(out.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s+/)[0])).toEqual(['1', '1', '1', '2', '2', '2', '3']);
      expect(err).toContain('dry run, nothing changed');
      expect((await podsOf(ns)).every((p) => sidecarImage(p) === `${REPOSITORY}:1.2.1`)).toBe(true);
    });

    it('rollout moves every sidecar in place in 3 waves: same pods, only the sidecar image changed; status then exits 0', async () => {
      const { code, err } = await rollout(ns, id, env, ['--batch-size', '3', '--timeout', '120']);
      expect(err).toContain('7 pods in 3 waves');
      expect(err).toContain('wave 3/3 done');
      expect(code).toBe(0);
      const pods = await podsOf(ns);
      expect(new Map(pods.map((p) => [p.metadata!.name!, p.metadata!.uid!]))).toEqual(before);
      for (const pod of pods) {
        expect(sidecarImage(pod)).toBe(`${REPOSITORY}:1.3.0`);
        expect(pod.metadata?.annotations?.[VERSION_KEY]).toBe('1.3.0');
        expect(pod.spec?.containers.find((c) => c.name === 'app')?.image).toBe('registry.example/app:1.0');
      }
      await settled(ns, 7, (p) => sidecarImage(p) === `${REPOSITORY}:1.3.0`);
      expect((await status(ns, id, env)).code).toBe(0);
    });

    it('a second run finds nothing to move', async () => {
      const { code, out, err } = await rollout(ns, id, env);
      expect(code).toBe(0);
      expect(out).toContain('Nothing to move');
      expect(err).toContain('nothing to move');
    });
  });

  describe('a template change beyond the image goes through the Deployment', () => {
    const id = 'roll-restart';
    let ns: string;
    let env: Record<string, string>;
    let oldUids: string[];

    beforeAll(async () => {
      const first = await webhookFor(id, '2.0.0');
      ns = await scenarioNamespace(cluster, id);
      await registerInjector(cluster, { id, baseUrl: first.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
      oldUids = (await settled(ns, 2, (p) => sidecarImage(p) === `${REPOSITORY}:2.0.0`)).map((p) => p.metadata!.uid!);
      // The operator changes the template: a new webhook with an extra argument takes over.
      const second = await webhookFor(`${id}-v2`, '2.0.0', { SIDECAR_CONTAINER_JSON: '{"args":["--log-level=debug"]}' });
      env = second.env;
      await cluster.admission.deleteMutatingWebhookConfiguration({ name: `sidecar-injector-${id}` });
      await registerInjector(cluster, { id, baseUrl: second.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns, (pod) => sidecarsOf(pod)[0]?.container.args?.[0] === '--log-level=debug');
    });

    it('status says the pods need a restart; rollout restarts the Deployment, whose new pods carry the new template', async () => {
      const drift = await status(ns, id, env);
      expect(drift.report.workloads.map((w) => [w.workload, w.counts.outdated, w.upgrade])).toEqual([['Deployment/web', 2, 'restart']]);
      const { code, out, err } = await rollout(ns, id, env, ['--timeout', '120']);
      expect(out).toMatch(/1\s+-\s+roll-restart\s+Deployment\/web\s+restart\s+2/);
      expect(err).toContain('roll-restart/Deployment/web restarted');
      expect(code).toBe(0);
      const pods = await settled(ns, 2, (p) => sidecarsOf(p)[0]?.container.args?.[0] === '--log-level=debug');
      expect(pods.some((p) => oldUids.includes(p.metadata!.uid!))).toBe(false);
      const web = await apps.readNamespacedDeployment({ namespace: ns, name: 'web' });
      expect(web.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
      expect((await status(ns, id, env)).code).toBe(0);
    });
  });

  describe('a canary at 30% puts whole Deployments in the canary cohort, first', () => {
    const id = 'roll-canary';
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
    let ns: string;
    let env: Record<string, string>;
    let canaryNames: string[];

    beforeAll(async () => {
      const webhook = await webhookFor(id, '3.0.0');
      env = webhook.env;
      ns = await scenarioNamespace(cluster, id);
      canaryNames = names.filter((n) => cohortBucket(`${ns}/Deployment/${n}`) < 30);
      await registerInjector(cluster, { id, baseUrl: webhook.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
      for (const name of names) await apps.createNamespacedDeployment({ namespace: ns, body: deployment(name, 2) });
      await settled(ns, 20, (p) => sidecarImage(p) === `${REPOSITORY}:3.0.0`);
      // A canary of 3.1.0 for 30% of the workloads, and a patch release for the others.
      await moto.putParameter(webhook.parameters.canary, '{"version":"3.1.0","percent":30}');
      await moto.putParameter(webhook.parameters.version, '3.0.1');
      await serving(ns, `${REPOSITORY}:3.1.0`, { 'injector.my-company.com/cohort': 'canary' });
      await serving(ns, `${REPOSITORY}:3.0.1`, { 'injector.my-company.com/cohort': 'stable' });
    });

    it('the hash puts some Deployments in each cohort (a precondition of this scenario)', () => {
      expect(canaryNames.length).toBeGreaterThan(0);
      expect(canaryNames.length).toBeLessThan(names.length);
    });

    it('status shows the cohorts; rollout moves the canary cohort in its first waves, then the stable one', async () => {
      const drift = await status(ns, id, env);
      expect(drift.report.cohorts).toEqual({ canary: canaryNames.length * 2, stable: (names.length - canaryNames.length) * 2 });
      expect(drift.report.workloads.filter((w) => w.cohort === 'canary').map((w) => w.workload)).toEqual(canaryNames.map((n) => `Deployment/${n}`));
      const { code, out } = await rollout(ns, id, env, ['--batch-size', '4', '--timeout', '120']);
      expect(code).toBe(0);
      const rows = out.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s+/));
      const firstStable = rows.findIndex((r) => r[1] === 'stable');
      expect(rows.slice(0, firstStable).every((r) => r[1] === 'canary')).toBe(true);
      expect(rows.slice(firstStable).every((r) => r[1] === 'stable')).toBe(true);
    });

    it('every Deployment is on one version, its cohort\'s, and a restart keeps it there', async () => {
      const pods = await settled(ns, 20);
      for (const name of names) {
        const images = new Set(pods.filter((p) => p.metadata?.labels?.app === name).map(sidecarImage));
        expect([...images], name).toEqual([`${REPOSITORY}:${canaryNames.includes(name) ? '3.1.0' : '3.0.1'}`]);
      }
      const restarted = canaryNames[0] as string;
      await apps.patchNamespacedDeployment(
        { namespace: ns, name: restarted, body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } } },
        (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      );
      const after = await settled(ns, 20, (p) => p.metadata?.labels?.app !== restarted || p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] !== undefined);
      expect(after.filter((p) => p.metadata?.labels?.app === restarted).map(sidecarImage)).toEqual([`${REPOSITORY}:3.1.0`, `${REPOSITORY}:3.1.0`]);
      expect((await status(ns, id, env)).code).toBe(0);
    });
  });

  describe('a failing wave stops the rollout', () => {
    const id = 'roll-fail';
    let ns: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      const webhook = await webhookFor(id, '4.0.0');
      env = webhook.env;
      ns = await scenarioNamespace(cluster, id);
      await registerInjector(cluster, { id, baseUrl: webhook.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('one', 2) });
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('two', 2) });
      await settled(ns, 4, (p) => sidecarImage(p) === `${REPOSITORY}:4.0.0`);
      // Pushed for another architecture, say: the nodes cannot pull it.
      kubelet.cannotPull = (image) => image === `${REPOSITORY}:4.1.0`;
      await moto.putParameter(webhook.parameters.version, '4.1.0');
      await serving(ns, `${REPOSITORY}:4.1.0`);
    });

    it('exits 1 after the first wave, saying which pods did not come up and why, and leaves the next wave alone', async () => {
      const { code, err } = await rollout(ns, id, env, ['--batch-size', '2', '--timeout', '5']);
      expect(code).toBe(1);
      expect(err).toContain('wave 1/2 did not finish within 5s');
      expect(err).toContain('sidecar not ready (ImagePullBackOff)');
      expect(err).toMatch(/stopped\. Moved 0 pods in 0 waves; 2 pods in the failed wave; 2 pods in later waves not touched/);
      const pods = await podsOf(ns);
      expect(pods.filter((p) => p.metadata?.labels?.app === 'two').map(sidecarImage)).toEqual([`${REPOSITORY}:4.0.0`, `${REPOSITORY}:4.0.0`]);
      expect(pods.filter((p) => p.metadata?.labels?.app === 'one').map(sidecarImage)).toEqual([`${REPOSITORY}:4.1.0`, `${REPOSITORY}:4.1.0`]);
      kubelet.cannotPull = () => false;
    });
  });

  describe('missing sidecars after an outage under Ignore', () => {
    const id = 'roll-missing';
    let ns: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      const webhook = await webhookFor(id, '5.0.0');
      env = webhook.env;
      ns = await scenarioNamespace(cluster, id);
      // The webhook is down (nothing listens there) and failurePolicy is Ignore: pods come without sidecar.
      await registerInjector(cluster, { id, baseUrl: `https://127.0.0.1:${await freePort()}`, failurePolicy: 'Ignore', upgradeOnUpdate: true });
      await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 2) });
      await settled(ns, 2, (p) => sidecarsOf(p).length === 0);
      // Back up.
      await cluster.admission.deleteMutatingWebhookConfiguration({ name: `sidecar-injector-${id}` });
      await registerInjector(cluster, { id, baseUrl: webhook.server.url, upgradeOnUpdate: true });
      await waitUntilActive(cluster, ns);
    });

    it('status reports them missing; rollout restarts the Deployment and the new pods have the sidecar', async () => {
      const drift = await status(ns, id, env);
      expect(drift.code).toBe(1);
      expect(drift.report.totals).toMatchObject({ missing: 2 });
      expect(drift.report.workloads).toEqual([expect.objectContaining({ workload: 'Deployment/web', upgrade: 'restart' })]);
      const { code } = await rollout(ns, id, env, ['--timeout', '120']);
      expect(code).toBe(0);
      await settled(ns, 2, (p) => sidecarImage(p) === `${REPOSITORY}:5.0.0`);
      expect((await status(ns, id, env)).code).toBe(0);
      expect(sidecarsOf((await podsOf(ns))[0]!).map((s) => s.container.name)).toEqual([SIDECAR]);
    });
  });
});
