// A stand-in for the kubelet's status reports: no kubelet runs here, so pods never start. This
// loop writes what a kubelet would report through the status subresource: every container
// running its specified image and ready (phase Running, Ready True), or, for an image the test
// says cannot be pulled, that container waiting in ImagePullBackOff and the pod not Ready. The
// controllers (kube-controller-manager) and the CLI under test then see pods become Ready the
// way they would on a node. It never touches a pod's spec or metadata.
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { Cluster } from './cluster.ts';
import { registerCleanup } from './process.ts';

export interface FakeKubelet {
  /** Images that fail to pull from now on (changeable while it runs). */
  cannotPull: (image: string) => boolean;
  /** Status writes made so far. */
  readonly writes: number;
  stop(): Promise<void>;
}

export function startFakeKubelet(cluster: Cluster, opts: { intervalMs?: number } = {}): FakeKubelet {
  let stopped = false;
  let writes = 0;
  const kubelet: FakeKubelet = {
    cannotPull: () => false,
    get writes() {
      return writes;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };

  const desired = (pod: V1Pod): V1Pod['status'] => {
    const now = new Date();
    const status = (name: string, image: string, restartable: boolean): V1ContainerStatus => {
      const pulls = !kubelet.cannotPull(image);
      if (!restartable) return { name, image, imageID: '', ready: false, restartCount: 0, started: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
      return {
        name,
        image,
        imageID: pulls ? `docker-pullable://${image}` : '',
        ready: pulls,
        restartCount: 0,
        started: pulls,
        state: pulls ? { running: { startedAt: now } } : { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
      };
    };
    const containers = (pod.spec?.containers ?? []).map((c) => status(c.name, c.image ?? '', true));
    const inits = (pod.spec?.initContainers ?? []).map((c) => status(c.name, c.image ?? '', c.restartPolicy === 'Always'));
    const ready = containers.every((c) => c.ready) && inits.every((c, i) => c.ready || pod.spec?.initContainers?.[i]?.restartPolicy !== 'Always');
    const condition = (type: string, value: boolean): V1PodCondition => ({ type, status: value ? 'True' : 'False', lastTransitionTime: now });
    return {
      phase: 'Running',
      conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', ready), condition('Ready', ready)],
      containerStatuses: containers,
      ...(inits.length > 0 ? { initContainerStatuses: inits } : {}),
      startTime: pod.status?.startTime ?? now,
    };
  };

  // Only what a kubelet would change: the images and readiness it reports.
  const summary = (status: V1Pod['status']) =>
    JSON.stringify([
      status?.phase,
      (status?.conditions ?? []).filter((c) => c.type === 'Ready').map((c) => c.status),
      [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? [])].map((c) => [c.name, c.image, c.ready]),
    ]);

  const loop = (async () => {
    while (!stopped) {
      try {
        const pods = await cluster.core.listPodForAllNamespaces({});
        for (const pod of pods.items) {
          if (stopped) break;
          if (pod.metadata?.deletionTimestamp) continue;
          const next = desired(pod);
          if (summary(next) === summary(pod.status)) continue;
          try {
            await cluster.core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { ...pod, status: next } });
            writes++;
          } catch {
            // A conflict (the pod changed meanwhile) or a pod just deleted: the next round sees it again.
          }
        }
      } catch {
        // The API server is stopping, or briefly busy: try again next round.
      }
      await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 250));
    }
  })();
  registerCleanup(() => kubelet.stop());
  return kubelet;
}
