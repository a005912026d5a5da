import { applyPatch } from 'fast-json-patch/module/core.mjs';
import { pointer } from './json-pointer.ts';
import { aggregate, formatQuantity } from './pod-resources.ts';
import { containerList, isPlainObject } from './pod-view.ts';
import { quantityNanos } from './quantity.ts';
import type { PatchOperation, Pod } from './types.ts';
import { cloneJson } from './json-clone.ts';

/**
 * Pod-level resources (`spec.resources`): the API server refuses a pod whose containers,
 * added up, request more than the pod, and a container whose limit is above the pod's. The
 * budget the pod's author set is for the app, so each amount the pod declares is raised by
 * exactly what the injection adds to the aggregate (requests and limits alike), and nothing
 * else changes. Called only when containers are added, so a second review (nothing added)
 * never raises again.
 */
export function raisePodResources(pod: Pod, patch: PatchOperation[]): PatchOperation[] {
  const spec = isPlainObject(pod.spec) ? pod.spec : undefined;
  const podResources = spec && isPlainObject(spec.resources) ? spec.resources : undefined;
  if (!podResources) return [];
  // The containers as the patch leaves them: the only part of the pod the aggregate reads.
  const skeleton = { spec: { containers: containerList(pod, 'containers'), initContainers: containerList(pod, 'initContainers') } };
  const containerOps = patch.filter((op) => op.path.startsWith('/spec/containers') || op.path.startsWith('/spec/initContainers'));
  const after = applyPatch(cloneJson(skeleton), containerOps, false, true).newDocument.spec;

  const ops: PatchOperation[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    const declared = podResources[kind];
    if (!isPlainObject(declared)) continue;
    for (const [resource, value] of Object.entries(declared)) {
      const current = typeof value === 'string' || typeof value === 'number' ? quantityNanos(String(value)) : undefined;
      if (current === undefined) continue;
      const added =
        aggregate(after.containers, after.initContainers, kind, resource) -
        aggregate(skeleton.spec.containers, skeleton.spec.initContainers, kind, resource);
      if (added <= 0n) continue;
      ops.push({ op: 'replace', path: pointer('spec', 'resources', kind, resource), value: formatQuantity(current + added, String(value)) });
    }
  }
  return ops;
}
