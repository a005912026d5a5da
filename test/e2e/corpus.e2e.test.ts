// Every pod of the shared corpus (../shared/corpus/istio-pods, 209 real pods from Istio's
// injector fixtures), labeled for injection and created through a real kube-apiserver with our
// webhook registered by the stack's renderer: each must be accepted and carry exactly one
// sidecar (issue 4, scenario 2). Run in three modes (NATIVE_SIDECAR=false: regular container;
// true: native init container; auto, the default: native only in Job-like pods),
// and once more for the hostNetwork pods with SKIP_HOST_NETWORK=false.
//
// Adapting the pods to a bare API server (and why):
//   - metadata.namespace is dropped: the pod is created in the test namespace (a mismatch is
//     refused by the API server).
//   - resourceVersion, uid, creationTimestamp, ownerReferences and status are dropped: they
//     describe an object stored in another cluster (ownerReferences would point at owners that
//     do not exist here; resourceVersion on create is refused).
//   - each pod gets a unique name (`c<index>-<file>`, at most 63 characters) and no
//     generateName: templates often have neither name nor namespace, and one namespace holds
//     all of them.
//   - the label `sidecar-injection: enabled` is added (the renderer's objectSelector).
//   - service accounts other than `default` that pods name (`non-default`) are created in the
//     namespace first: with no controllers the ServiceAccount admission plugin refuses pods
//     whose account does not exist, as a real cluster would for a missing account.
// Nothing else is changed: volumes, init containers, Istio's own (native) sidecars and its long
// annotations are sent as they are. Before the webhook is blamed for a refusal, the same pod is
// dry-run in a namespace without the webhook. Three corpus pods are invalid in themselves
// (Istio keeps them as fixtures of broken input) and are refused there too; they are listed in
// INVALID_BY_THEMSELVES with the API server's reasons and are expected to stay refused, so any
// other refusal fails the test:
//   - sidecar-spire.injected: a container without an image, and "istio-proxy" twice among the
//     init containers ("spec.containers[1].image: Required value", "Duplicate value").
//   - user-volume.injected: a configMap item path "/some-path" ("must be a relative path") and a
//     volumeMount of a volume the pod does not have ("Not found: user-volume-2").
//   - only-proxy-container.injected: Istio moved its only container into initContainers, so
//     `containers` is empty ("spec.containers: Required value"). The webhook never injects a
//     pod without containers (skip reason `no-containers`: a pod running only the sidecar would
//     be worse than the refusal), so it stays refused in every mode.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusMissingMessage, loadCorpus, mustHaveCorpus, type CorpusPod } from '../support/corpus.ts';
import { requireParts, startCluster, startWebhookServer, stopAll, type Cluster, type WebhookServer } from './harness/index.ts';
import {
  adaptCorpusPod,
  apiErrorText,
  mapLimit,
  registerInjector,
  reviewsFor,
  scenarioNamespace,
  sidecarsOf,
  STATUS_KEY,
  waitUntilActive,
} from './support/injector.ts';

const gate = requireParts(['kube-apiserver', 'etcd', 'openssl']);
if (!corpusAvailable && mustHaveCorpus) throw new Error(`${corpusMissingMessage()}; CI=true, so this is a failure`);
const skip = gate.skip || !corpusAvailable;
const why = gate.skip ? gate.reason : !corpusAvailable ? corpusMissingMessage() : '';

/** Pods created at once: enough to keep the API server and the webhook busy on 2 cores. */
const CONCURRENCY = 8;

/** The same in every mode. */
const INVALID_BY_THEMSELVES = ['only-proxy-container.injected.0.json', 'sidecar-spire.injected.0.json', 'user-volume.injected.0.json'];

/** NATIVE_SIDECAR=auto (the default) makes the sidecar native in pods that run to completion. */
const runsToCompletion = (pod: V1Pod): boolean => pod.spec?.restartPolicy === 'Never' || pod.spec?.restartPolicy === 'OnFailure';

const adapt = (entry: CorpusPod, index: number): V1Pod => adaptCorpusPod(entry, index);

const serviceAccountOf = (pod: V1Pod): string | undefined => pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount;

interface Outcome {
  file: string;
  pod?: V1Pod;
  error?: string;
  /** The same pod dry-run where no webhook is registered, when the real create failed. */
  withoutWebhook?: string;
}

describe.skipIf(skip)(`shared corpus through a real API server${skip ? ` (skipped: ${why})` : ''}`, () => {
  let cluster: Cluster;
  let corpus: CorpusPod[];
  let control: string;

  beforeAll(async () => {
    corpus = loadCorpus();
    cluster = await startCluster();
    control = await scenarioNamespace(cluster, 'corpus-control');
  });
  afterAll(stopAll);

  async function createAll(ns: string, entries: Array<{ entry: CorpusPod; index: number }>): Promise<Outcome[]> {
    const accounts = new Set(entries.map(({ entry }) => serviceAccountOf(entry.pod)).filter((a): a is string => !!a && a !== 'default'));
    for (const name of accounts) {
      for (const namespace of [ns, control]) {
        await cluster.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } }).catch(() => undefined);
      }
    }
    return mapLimit(entries, CONCURRENCY, async ({ entry, index }) => {
      const body = adapt(entry, index);
      try {
        return { file: entry.name, pod: await cluster.core.createNamespacedPod({ namespace: ns, body }) };
      } catch (err) {
        const error = apiErrorText(err);
        const withoutWebhook = await cluster.dryRunPod(control, adapt(entry, index)).then(
          () => 'accepted',
          (e: unknown) => `refused too: ${apiErrorText(e)}`,
        );
        return { file: entry.name, error, withoutWebhook };
      }
    });
  }

  async function startMode(id: string, env: Record<string, string>): Promise<{ ns: string; server: WebhookServer }> {
    const server = await startWebhookServer({ cert: cluster.certs.webhook, caPem: cluster.certs.ca.certPem, env });
    const ns = await scenarioNamespace(cluster, id);
    await registerInjector(cluster, { id, baseUrl: server.url });
    await waitUntilActive(cluster, ns);
    return { ns, server };
  }

  /** Refusals the webhook is to blame for: the same pod is accepted where no webhook runs. */
  function webhookRefusals(outcomes: Outcome[]): string[] {
    return outcomes.filter((o) => o.error && o.withoutWebhook === 'accepted').map((o) => `${o.file}: ${o.error}`);
  }
  function refusedAnyway(outcomes: Outcome[]): string[] {
    const refused = outcomes.filter((o) => o.error && o.withoutWebhook !== 'accepted');
    for (const o of refused) console.info(`corpus pod invalid by itself: ${o.file}: ${o.error}`);
    return refused.map((o) => o.file);
  }

  const modes: Array<{ id: string; env: Record<string, string>; list: 'containers' | 'initContainers' | 'auto' }> = [
    { id: 'corpus-regular', env: { NATIVE_SIDECAR: 'false' }, list: 'containers' },
    { id: 'corpus-native', env: { NATIVE_SIDECAR: 'true' }, list: 'initContainers' },
    { id: 'corpus-auto', env: {}, list: 'auto' },
  ];
  for (const mode of modes) {
    it(`${mode.id}: every valid pod of the corpus is accepted with exactly one sidecar (hostNetwork: none)`, async () => {
      const { ns, server } = await startMode(mode.id, mode.env);
      const outcomes = await createAll(ns, corpus.map((entry, index) => ({ entry, index })));
      expect(outcomes).toHaveLength(corpus.length);
      expect(webhookRefusals(outcomes)).toEqual([]);
      expect(refusedAnyway(outcomes)).toEqual(INVALID_BY_THEMSELVES);
      const created = outcomes.filter((o) => o.pod);
      expect(created.length).toBe(corpus.length - INVALID_BY_THEMSELVES.length);
      const wrong: string[] = [];
      for (const o of created) {
        const pod = o.pod!;
        const hostNetwork = pod.spec?.hostNetwork === true;
        const sidecars = sidecarsOf(pod);
        const expected = hostNetwork ? 0 : 1;
        if (sidecars.length !== expected) wrong.push(`${o.file}: ${sidecars.length} sidecars, expected ${expected}`);
        else if (!hostNetwork) {
          const [s] = sidecars;
          const list = mode.list === 'auto' ? (runsToCompletion(pod) ? 'initContainers' : 'containers') : mode.list;
          if (s?.list !== list) wrong.push(`${o.file}: sidecar in ${s?.list}`);
          if (list === 'initContainers' && (s?.index !== 0 || s.container.restartPolicy !== 'Always')) {
            wrong.push(`${o.file}: native sidecar at initContainers[${s?.index}] restartPolicy ${s?.container.restartPolicy}`);
          }
          if (pod.metadata?.annotations?.[STATUS_KEY] !== 'injected') wrong.push(`${o.file}: no status annotation`);
        }
      }
      expect(wrong).toEqual([]);
      // The corpus has Job and CronJob pods: auto mode's native branch is exercised.
      if (mode.list === 'auto') expect(created.filter((o) => runsToCompletion(o.pod!)).length).toBeGreaterThan(0);
      // Reinvocation (the ServiceAccount plugin mounts its token into our container, which calls
      // us again) must find nothing to do: a second patch would be a loop the API server hides.
      const repatched: string[] = [];
      for (const o of created) {
        const [first, ...again] = reviewsFor(server, ns, o.pod!.metadata!.name!);
        if (!first) repatched.push(`${o.file}: no review logged`);
        else if (again.some((r) => r.patchOperations !== 0)) repatched.push(`${o.file}: ${JSON.stringify(again)}`);
      }
      expect(repatched).toEqual([]);
      // The corpus has hostNetwork pods: the default SKIP_HOST_NETWORK=true is exercised.
      expect(outcomes.filter((o) => o.pod?.spec?.hostNetwork === true).length).toBeGreaterThan(0);
    });
  }

  it('SKIP_HOST_NETWORK=false: the hostNetwork pods are accepted with exactly one sidecar', async () => {
    const { ns } = await startMode('corpus-hostnet', { SKIP_HOST_NETWORK: 'false' });
    const entries = corpus.map((entry, index) => ({ entry, index })).filter(({ entry }) => entry.pod.spec?.hostNetwork === true);
    expect(entries.length).toBeGreaterThan(0);
    const outcomes = await createAll(ns, entries);
    expect(outcomes.filter((o) => o.error).map((o) => `${o.file}: ${o.error} [without the webhook: ${o.withoutWebhook}]`)).toEqual([]);
    for (const o of outcomes) expect(sidecarsOf(o.pod!), o.file).toHaveLength(1);
  });
});
