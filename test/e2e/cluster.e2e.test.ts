// Proves the harness itself: the real API server comes up and stores pods, moto answers the real
// SSM client through AWS_ENDPOINT_URL_SSM, cfn-lint runs. The webhook scenarios build on this.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiStatus, cfnLintPath, requireParts, startCluster, startMoto, stopAll, type Cluster, type Moto } from './harness/index.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'cfn-lint', 'openssl']);

describe.skipIf(gate.skip)(`end-to-end harness${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  afterAll(stopAll);

  describe('kube-apiserver + etcd', () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster();
    });

    it('answers /version with the pinned Kubernetes release', async () => {
      const { VersionApi } = await import('@kubernetes/client-node');
      const info = await cluster.kubeConfig.makeApiClient(VersionApi).getCode();
      expect(info.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    });

    it('creates a namespace with its default service account, and a plain pod reads back', async () => {
      const ns = await cluster.createNamespace('harness-plain', { purpose: 'e2e' });
      const sa = await cluster.core.readNamespacedServiceAccount({ name: 'default', namespace: ns });
      expect(sa.metadata?.name).toBe('default');

      await cluster.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'plain', labels: { app: 'plain' } },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        },
      });
      const pod = await cluster.core.readNamespacedPod({ name: 'plain', namespace: ns });
      expect(pod.metadata?.namespace).toBe(ns);
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      // The ServiceAccount admission plugin ran: the pod got the account and its token volume.
      expect(pod.spec?.serviceAccountName).toBe('default');
      expect(pod.spec?.volumes?.some((v) => v.projected)).toBe(true);
      expect(pod.status?.phase).toBe('Pending');
    });

    it('deletes an unscheduled pod at once', async () => {
      const ns = await cluster.createNamespace('harness-delete');
      await cluster.core.createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'gone' },
          spec: { automountServiceAccountToken: false, containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        },
      });
      await cluster.core.deleteNamespacedPod({ name: 'gone', namespace: ns });
      const status = await cluster.core.readNamespacedPod({ name: 'gone', namespace: ns }).then(
        () => 200,
        (err: unknown) => apiStatus(err),
      );
      expect(status).toBe(404);
    });

    it('serves the admissionregistration API used to register webhooks', async () => {
      const list = await cluster.admission.listMutatingWebhookConfiguration();
      expect(Array.isArray(list.items)).toBe(true);
    });
  });

  describe('moto (SSM)', () => {
    let moto: Moto;
    beforeAll(async () => {
      moto = await startMoto();
    });
    afterAll(async () => {
      await moto?.stop();
    });

    it('round-trips a parameter through the real SDK client via AWS_ENDPOINT_URL_SSM', async () => {
      expect(process.env.AWS_ENDPOINT_URL_SSM).toBe(moto.endpoint);
      const v1 = await moto.putParameter('/e2e/harness/config', '{"image":"sidecar:1"}');
      const v2 = await moto.putParameter('/e2e/harness/config', '{"image":"sidecar:2"}');
      expect(v2).toBe(v1 + 1);
      expect(await moto.getParameter('/e2e/harness/config')).toEqual({ value: '{"image":"sidecar:2"}', version: v2 });
    });
  });

  describe('cfn-lint', () => {
    it('runs from the project venv', () => {
      const out = execFileSync(cfnLintPath(), ['--version'], { encoding: 'utf8', timeout: 60_000 });
      expect(out).toMatch(/cfn-lint \d+\.\d+\.\d+/);
    });
  });
});
