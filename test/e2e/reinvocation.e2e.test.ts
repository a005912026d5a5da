// A second mutating webhook next to ours, both with reinvocationPolicy IfNeeded (issue 4,
// scenario 4). The API server calls mutating webhooks in the order of their configurations'
// names, and calls an IfNeeded webhook again when a later one changed the object. Whatever the
// order and whatever the other webhook adds (a container, an annotation), the pod must end with
// exactly one sidecar, and our repeated calls must return no patch.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  requireParts,
  startAdmissionServer,
  startCluster,
  startWebhookServer,
  stopAll,
  type AdmissionRequest,
  type AdmissionServer,
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
  sidecarCount,
  STATUS_KEY,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);

const OTHER_CONTAINER = 'other-agent';
const OTHER_ANNOTATION = 'other.example.com/seen';

type Adds = 'container' | 'annotation';

/** The other webhook: adds its container or annotation when absent (a well-behaved webhook). */
function otherWebhook(request: AdmissionRequest, path: string): { patch?: unknown[] } {
  const pod = request.object as V1Pod;
  if (path === '/container') {
    if (pod.spec?.containers.some((c) => c.name === OTHER_CONTAINER)) return {};
    return { patch: [{ op: 'add', path: '/spec/containers/-', value: { name: OTHER_CONTAINER, image: 'registry.example/other:1' } }] };
  }
  if (pod.metadata?.annotations?.[OTHER_ANNOTATION]) return {};
  if (!pod.metadata?.annotations) return { patch: [{ op: 'add', path: '/metadata/annotations', value: { [OTHER_ANNOTATION]: 'yes' } }] };
  return { patch: [{ op: 'add', path: '/metadata/annotations/other.example.com~1seen', value: 'yes' }] };
}

describe.skipIf(gate.skip)(`with a second mutating webhook${gate.skip ? ` (skipped: ${gate.reason})` : ''}`, () => {
  let cluster: Cluster;
  let server: WebhookServer;
  let other: AdmissionServer;

  beforeAll(async () => {
    cluster = await startCluster();
    server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem });
    other = await startAdmissionServer({ cert: cluster.certs.webhook, handle: otherWebhook });
  });
  afterAll(stopAll);

  const otherDone = (adds: Adds, pod: V1Pod): boolean =>
    adds === 'container'
      ? pod.spec?.containers.filter((c) => c.name === OTHER_CONTAINER).length === 1
      : pod.metadata?.annotations?.[OTHER_ANNOTATION] === 'yes';

  const cases: Array<{ adds: Adds; otherFirst: boolean }> = [
    { adds: 'container', otherFirst: true },
    { adds: 'container', otherFirst: false },
    { adds: 'annotation', otherFirst: true },
    { adds: 'annotation', otherFirst: false },
  ];

  for (const { adds, otherFirst } of cases) {
    const id = `reinvoke-${adds}-${otherFirst ? 'other-first' : 'ours-first'}`;
    it(`other webhook adds ${adds === 'container' ? 'a container' : 'an annotation'}, called ${otherFirst ? 'before' : 'after'} ours: one sidecar`, async () => {
      const ns = await scenarioNamespace(cluster, id);
      // Configuration names decide the order: "a-…" < "sidecar-injector-…" < "z-…".
      const otherName = `${otherFirst ? 'a' : 'z'}-other-${id}`;
      await cluster.admission.createMutatingWebhookConfiguration({
        body: {
          metadata: { name: otherName },
          webhooks: [
            {
              name: `${otherName}.other.example.com`,
              clientConfig: { url: `${other.url}/${adds}`, caBundle: cluster.certs.caBundle },
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
      await registerInjector(cluster, { id, baseUrl: server.url, reinvocationPolicy: 'IfNeeded' });
      await waitUntilActive(cluster, ns, (pod) => sidecarCount(pod) === 1 && otherDone(adds, pod));

      const pod = await cluster.core.createNamespacedPod({ namespace: ns, body: appPod('both') });
      expect(sidecarCount(pod)).toBe(1);
      expect(otherDone(adds, pod)).toBe(true);
      expect(pod.metadata?.annotations?.[STATUS_KEY]).toBe('injected');
      const names = pod.spec?.containers.map((c) => c.name);
      expect(names).toEqual(adds === 'container' ? (otherFirst ? ['app', OTHER_CONTAINER, SIDECAR] : ['app', SIDECAR, OTHER_CONTAINER]) : ['app', SIDECAR]);

      // Ours: injected once; every further call (reinvocation) answered without a patch.
      const ours = reviewsFor(server, ns, 'both');
      expect(ours[0]?.action).toBe('inject');
      for (const r of ours.slice(1)) expect([r.action, r.patchOperations]).toEqual(['unchanged', 0]);
      // The other webhook ran before or after ours, as its name says: what it was sent shows it.
      const seen = other.received.filter((r) => r.request.namespace === ns && !r.request.dryRun).map((r) => sidecarCount(r.request.object as V1Pod));
      expect(seen[0]).toBe(otherFirst ? 0 : 1);
      if (otherFirst) {
        // Our patch changed the object after it, so it was called again (IfNeeded) and saw our sidecar.
        expect(seen).toEqual([0, 1]);
      } else {
        // Its change after ours made the API server call us again; we found nothing to do.
        expect(ours.length).toBeGreaterThanOrEqual(2);
      }
    });
  }
});
