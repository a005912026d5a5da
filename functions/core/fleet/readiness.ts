import { sameImage } from '../image-reference.ts';
import { findByName, isPlainObject } from '../pod-view.ts';
import type { Pod } from '../types.ts';

/**
 * When a wave is done, read from the objects' status as the kubelet and the controllers write
 * it: a pod is done when it is Ready and its sidecar container both is specified with and
 * reports running the target image; a workload is done when its controller reports the rollout
 * complete, as `kubectl rollout status` reads it.
 */

export function podRunsImage(pod: unknown, sidecarName: string, image: string): { done: boolean; why: string } {
  if (!isPlainObject(pod)) return { done: false, why: 'not a pod' };
  const sidecar = findByName(pod as Pod, sidecarName)[0];
  if (!sidecar) return { done: false, why: 'no sidecar' };
  if (!sameImage(sidecar.container.image, image)) return { done: false, why: `sidecar specified as ${String(sidecar.container.image)}` };
  const status = isPlainObject(pod.status) ? pod.status : {};
  const statusList = sidecar.list === 'initContainers' ? status.initContainerStatuses : status.containerStatuses;
  const reported = Array.isArray(statusList) ? statusList.find((s) => isPlainObject(s) && s.name === sidecarName) : undefined;
  if (!isPlainObject(reported)) return { done: false, why: 'sidecar not reported by the kubelet yet' };
  if (!sameImage(reported.image, image)) return { done: false, why: `sidecar still runs ${String(reported.image)}` };
  if (reported.ready !== true) {
    const waiting = isPlainObject(reported.state) && isPlainObject(reported.state.waiting) ? reported.state.waiting.reason : undefined;
    return { done: false, why: `sidecar not ready${typeof waiting === 'string' ? ` (${waiting})` : ''}` };
  }
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const ready = conditions.find((c) => isPlainObject(c) && c.type === 'Ready');
  if (!isPlainObject(ready) || ready.status !== 'True') return { done: false, why: 'pod not Ready' };
  return { done: true, why: 'ready with the release' };
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** Whether the controller has finished rolling `workload` (Deployment, StatefulSet, DaemonSet) out, and if not, why. */
export function workloadRolledOut(kind: string, workload: unknown): { done: boolean; why: string } {
  if (!isPlainObject(workload)) return { done: false, why: 'not found' };
  const metadata = isPlainObject(workload.metadata) ? workload.metadata : {};
  const spec = isPlainObject(workload.spec) ? workload.spec : {};
  const status = isPlainObject(workload.status) ? workload.status : {};
  if (num(status.observedGeneration) < num(metadata.generation)) return { done: false, why: 'waiting for the controller to see the restart' };
  const wanted = typeof spec.replicas === 'number' ? spec.replicas : 1;
  switch (kind) {
    case 'Deployment': {
      const updated = num(status.updatedReplicas);
      if (updated < wanted) return { done: false, why: `${updated} of ${wanted} pods updated` };
      if (num(status.replicas) > updated) return { done: false, why: `${num(status.replicas) - updated} old pods still there` };
      if (num(status.availableReplicas) < updated) return { done: false, why: `${num(status.availableReplicas)} of ${updated} updated pods available` };
      return { done: true, why: 'rolled out' };
    }
    case 'StatefulSet': {
      if (num(status.readyReplicas) < wanted) return { done: false, why: `${num(status.readyReplicas)} of ${wanted} pods ready` };
      if (num(status.updatedReplicas) < wanted || status.currentRevision !== status.updateRevision) return { done: false, why: `${num(status.updatedReplicas)} of ${wanted} pods updated` };
      return { done: true, why: 'rolled out' };
    }
    case 'DaemonSet': {
      const desired = num(status.desiredNumberScheduled);
      if (num(status.updatedNumberScheduled) < desired) return { done: false, why: `${num(status.updatedNumberScheduled)} of ${desired} pods updated` };
      if (num(status.numberAvailable) < desired) return { done: false, why: `${num(status.numberAvailable)} of ${desired} pods available` };
      return { done: true, why: 'rolled out' };
    }
    default:
      return { done: false, why: `${kind} is not rolled out by this tool` };
  }
}
