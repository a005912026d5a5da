// Faults between the API server and the webhook (issue 4, scenario 7; SSM going away after a
// first load is in ssm-upgrade.e2e.test.ts): the webhook server gone, under failurePolicy Fail
// and Ignore; a webhook slower than timeoutSeconds, under Fail and Ignore; and a webhook that
// never loaded its release from SSM (503). What the cluster does is the API server's business;
// these tests pin down that our configuration makes it do what the README promises.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireParts,
  sleep,
  startAdmissionServer,
  startCluster,
  startMoto,
  startWebhookServer,
  stopAll,
  waitFor,
  type AdmissionServer,
  type Cluster,
} from './harness/index.ts';
import {
  apiErrorText,
  appPod,
  INJECT_LABEL,
  logLines,
  registerInjector,
  SCENARIO_LABEL,
  scenarioNamespace,
  sidecarCount,
  STATUS_KEY,
  waitForRefusal,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'moto', 'openssl']);
const WEBHOOK_NAME = 'sidecar-injector.injector.my-company.com';

/** Creates the pod and returns the API server's refusal message, or fails if it was created. */
async function refusal(cluster: Cluster, namespace: string, pod: V1Pod): Promise<string> {
  const created = await cluster.core.createNamespacedPod({ namespace, body: pod }).then(
    (p) => p,
    (err: unknown) => apiErrorText(err),
  );
  if (typeof created !== 'string') throw new Error(`pod ${pod.metadata?.name} was created; expected a refusal`);
  return created;
}

describe.skipIf(gate.skip)(`faults${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(stopAll);

  describe('webhook server stopped', () => {
    let failNs: string;
    let ignoreNs: string;
    beforeAll(async () => {
      const server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
      failNs = await scenarioNamespace(cluster, 'down-fail');
      ignoreNs = await scenarioNamespace(cluster, 'down-ignore');
      await registerInjector(cluster, { id: 'down-fail', baseUrl: server.url, failurePolicy: 'Fail' });
      await registerInjector(cluster, { id: 'down-ignore', baseUrl: server.url, failurePolicy: 'Ignore' });
      // Both configurations are seen to inject before the server goes away.
      await waitUntilActive(cluster, failNs);
      await waitUntilActive(cluster, ignoreNs);
      await server.stop();
    });

    it('failurePolicy Fail: creation is refused with the error of calling our webhook', async () => {
      const message = await refusal(cluster, failNs, appPod('refused'));
      expect(message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      expect(message).toMatch(/connection refused/);
      // Nothing was stored.
      const list = await cluster.core.listNamespacedPod({ namespace: failNs });
      expect(list.items).toEqual([]);
    });

    it('failurePolicy Ignore: the pod is created without the sidecar', async () => {
      const pod = await cluster.core.createNamespacedPod({ namespace: ignoreNs, body: appPod('admitted') });
      expect(sidecarCount(pod)).toBe(0);
      expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
      expect(pod.metadata?.annotations?.[STATUS_KEY]).toBeUndefined();
    });
  });

  describe('a webhook slower than timeoutSeconds (1 s)', () => {
    let slow: AdmissionServer;
    const DELAY_MS = 4_000;

    beforeAll(async () => {
      // Answers with a patch, but only after DELAY_MS: the API server has given up by then.
      slow = await startAdmissionServer({
        cert: cluster.certs.webhook,
        handle: async () => {
          await sleep(DELAY_MS);
          return { patch: [{ op: 'add', path: '/metadata/labels/slow', value: 'answered' }] };
        },
      });
    });

    for (const failurePolicy of ['Fail', 'Ignore'] as const) {
      const id = `slow-${failurePolicy.toLowerCase()}`;
      it(`failurePolicy ${failurePolicy}: ${failurePolicy === 'Fail' ? 'refused with a timeout error' : 'admitted without its patch'}`, async () => {
        const ns = await scenarioNamespace(cluster, id);
        const name = `slow-webhook-${id}`;
        await cluster.admission.createMutatingWebhookConfiguration({
          body: {
            metadata: { name },
            webhooks: [
              {
                name: `${name}.e2e.example.com`,
                clientConfig: { url: `${slow.url}/slow`, caBundle: cluster.certs.caBundle },
                rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
                namespaceSelector: { matchLabels: { [SCENARIO_LABEL]: id } },
                objectSelector: { matchLabels: { ...INJECT_LABEL } },
                sideEffects: 'None',
                admissionReviewVersions: ['v1'],
                failurePolicy,
                timeoutSeconds: 1,
              },
            ],
          },
        });
        // Active once the API server has called it for this namespace (its answer comes too late).
        await waitFor(
          async () => {
            await cluster.dryRunPod(ns, appPod('activation-probe')).catch(() => undefined);
            return slow.received.some((r) => r.request.namespace === ns);
          },
          { what: `slow webhook active in ${ns}`, timeoutMs: 30_000, intervalMs: 200 },
        );

        if (failurePolicy === 'Fail') {
          const message = await refusal(cluster, ns, appPod('too-slow'));
          expect(message).toContain(`failed calling webhook "${name}.e2e.example.com"`);
          expect(message).toMatch(/context deadline exceeded|timeout|Timeout/);
        } else {
          const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('too-slow') });
          expect(pod.metadata?.labels?.slow).toBeUndefined();
          expect(pod.spec?.containers.map((c) => c.name)).toEqual(['app']);
        }
        expect(slow.received.filter((r) => r.request.namespace === ns && !r.request.dryRun)).toHaveLength(1);
        // The API server appended the webhook's timeout to the URL it called.
        expect(slow.received.find((r) => r.request.namespace === ns)?.rawUrl).toBe('/slow?timeout=1s');
      });
    }
  });

  it('SSM never loaded (parameters missing): our 503 makes the API server refuse the pod under Fail', async () => {
    const moto = await startMoto();
    try {
      const server = await startWebhookServer({
        cert: cluster.certs.webhook,
        caPem: cluster.certs.ca.certPem,
        env: { ...moto.env, SSM_VERSION_PARAMETER: '/missing/version', SSM_IMAGE_PARAMETER: '/missing/image' },
      });
      const ns = await scenarioNamespace(cluster, 'no-release');
      await registerInjector(cluster, { id: 'no-release', baseUrl: server.url, failurePolicy: 'Fail' });
      const message = await waitForRefusal(cluster, ns, 'webhook answering 503 in no-release');
      expect(message).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      // The API server turns our HTTP 503 into its generic text for that status and drops our
      // JSON body ("the sidecar release has not been loaded from SSM yet"): users see only this,
      // and the reason is in the webhook's own log.
      expect(message).toMatch(/the server is currently unable to handle the request/);
      const real = await refusal(cluster, ns, appPod('no-release'));
      expect(real).toContain(`failed calling webhook "${WEBHOOK_NAME}"`);
      expect(logLines(server).some((l) => String(l.message).startsWith('request failed with 503'))).toBe(true);
      await server.stop();
    } finally {
      await moto.stop();
    }
  });
});
