// Proves the harness itself: the real API server comes up and stores pods, moto answers the real
// SSM client through AWS_ENDPOINT_URL_SSM, cfn-lint runs. The webhook scenarios build on this.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiStatus,
  cfnLintPath,
  httpGet,
  requireParts,
  startAdmissionServer,
  startCluster,
  startMoto,
  startWebhookServer,
  stopAll,
  waitFor,
  type Cluster,
  type Moto,
} from './harness/index.ts';

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

    it('calls an HTTPS webhook on 127.0.0.1 trusted through caBundle, and applies its patch', async () => {
      // The cluster's CA signed the webhook's certificate (IP SAN 127.0.0.1).
      const probe = await startAdmissionServer({
        cert: cluster.certs.webhook,
        handle: () => ({ patch: [{ op: 'add', path: '/metadata/labels/probed', value: 'yes' }] }),
      });
      const ns = await cluster.createNamespace('harness-webhook', { 'e2e-probe': 'on' });
      const name = 'harness-probe.e2e.test';
      await cluster.admission.createMutatingWebhookConfiguration({
        body: {
          metadata: { name },
          webhooks: [
            {
              name,
              clientConfig: { url: `${probe.url}/probe`, caBundle: cluster.certs.caBundle },
              rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
              namespaceSelector: { matchLabels: { 'e2e-probe': 'on' } },
              sideEffects: 'None',
              admissionReviewVersions: ['v1'],
              failurePolicy: 'Fail',
              timeoutSeconds: 5,
            },
          ],
        },
      });
      try {
        const pod = {
          metadata: { name: 'probed', labels: { app: 'probed' } },
          spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
        };
        // The API server picks up a new configuration asynchronously: dry-run until it acts.
        await waitFor(async () => (await cluster.dryRunPod(ns, pod)).metadata?.labels?.probed === 'yes', {
          what: 'webhook configuration in effect',
          timeoutMs: 30_000,
          intervalMs: 200,
        });
        const created = await cluster.core.createNamespacedPod({ namespace: ns, body: pod });
        expect(created.metadata?.labels).toEqual({ app: 'probed', probed: 'yes' });
        const stored = probe.received.filter((r) => !r.request.dryRun);
        expect(stored).toHaveLength(1);
        expect(stored[0]?.path).toBe('/probe');
        // The API server adds the webhook's timeout as a query string to the registered URL.
        expect(stored[0]?.rawUrl).toBe('/probe?timeout=5s');
        expect(stored[0]?.request.operation).toBe('CREATE');
        expect(stored[0]?.request.namespace).toBe(ns);
      } finally {
        await cluster.admission.deleteMutatingWebhookConfiguration({ name });
        await probe.close();
      }
    });
  });

  describe('local webhook server (functions/local)', () => {
    it('starts over TLS on 127.0.0.1 with a certificate from makeCerts and answers /healthz', async () => {
      const { makeCerts, runsDir } = await import('./harness/index.ts');
      const { join } = await import('node:path');
      const { rmSync } = await import('node:fs');
      const dir = join(runsDir, `webhook-pki-${process.pid}`);
      try {
        const certs = makeCerts(dir);
        const server = await startWebhookServer({ cert: certs.webhook, caPem: certs.ca.certPem });
        const res = await httpGet(`${server.url}/healthz`, { ca: certs.ca.certPem });
        expect(res.status).toBe(200);
        await server.stop();
        expect(server.proc.exit).toBeDefined();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
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
