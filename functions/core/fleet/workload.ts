import { isPlainObject } from '../pod-view.ts';

/**
 * The workload a pod belongs to, read from the pod alone (no GET of its owner): its controller
 * ownerReference, with a ReplicaSet that carries the pod's `pod-template-hash` in its name
 * resolved to the Deployment that made it, as the Deployment controller names ReplicaSets
 * `<deployment>-<pod-template-hash>`. The fleet report groups by it, and the canary cohort is
 * chosen by it, so every pod of a Deployment lands in one cohort across restarts.
 */

export interface WorkloadRef {
  kind: string;
  name: string;
}

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Kinds whose pods `kubectl rollout restart` can replace by the workload's own strategy. */
export const RESTARTABLE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

export function owningWorkload(pod: unknown): WorkloadRef | undefined {
  if (!isPlainObject(pod) || !isPlainObject(pod.metadata)) return undefined;
  const refs = Array.isArray(pod.metadata.ownerReferences) ? pod.metadata.ownerReferences.filter(isPlainObject) : [];
  const owner = refs.find((r) => r.controller === true) ?? refs[0];
  if (!owner || typeof owner.kind !== 'string' || typeof owner.name !== 'string') return undefined;
  if (owner.kind === 'ReplicaSet') {
    const labels = isPlainObject(pod.metadata.labels) ? pod.metadata.labels : {};
    const hash = labels[POD_TEMPLATE_HASH_LABEL];
    if (typeof hash === 'string' && hash !== '' && owner.name.endsWith(`-${hash}`)) {
      return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)) };
    }
  }
  return { kind: owner.kind, name: owner.name };
}

/** `Kind/name`, as kubectl prints it. */
export function workloadLabel(workload: WorkloadRef | undefined, podName: string): string {
  return workload ? `${workload.kind}/${workload.name}` : `Pod/${podName}`;
}
