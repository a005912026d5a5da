import {
  annotationKeys,
  desiredSidecarFields,
  MIRROR_POD_ANNOTATION,
  STATUS_INJECTED,
  type InjectorConfig,
  type InjectorSettings,
} from './injector-config.ts';
import { pointer } from './json-pointer.ts';
import { annotation, annotationsOf, containerList, findByName, isPlainObject, malformation, type Placement } from './pod-view.ts';
import { reconcile } from './reconcile.ts';
import type { AdmissionRequest, JsonObject, PatchOperation, Pod } from './types.ts';

/**
 * The decision: a pure function of (request, config). It does not check a flag; it compares
 * the pod it is given with the pod it should be (the sidecar present exactly once, at the
 * configured spec, with our annotations) and returns the operations that close the gap. A pod
 * that already is what it should be gets no operations, which makes the webhook idempotent.
 */

export type Action = 'inject' | 'converge' | 'upgrade' | 'unchanged' | 'skip';

export type SkipReason =
  | 'operation'
  | 'not-a-pod'
  | 'subresource'
  | 'malformed-pod'
  | 'being-deleted'
  | 'opt-out'
  | 'mirror-pod'
  | 'host-network'
  | 'update-cannot-inject';

export interface Decision {
  action: Action;
  /** For `skip`, the SkipReason; otherwise a short description of what the patch does. */
  reason: string;
  patch: PatchOperation[];
  /** Shown to kubectl users by the API server. */
  warnings: string[];
}

/** Annotation values that opt a pod out (compared case-insensitively). */
const OPT_OUT_VALUES = new Set(['false', 'no', 'off', 'n', '0', 'disabled']);

/**
 * Every outcome that does not depend on the sidecar release: skips, and UPDATEs that will not
 * be patched. The shell answers these without waiting for SSM, so a pod can still be updated
 * and deleted (finalizer removal) while SSM has never answered.
 */
export function triage(request: AdmissionRequest, config: InjectorSettings): Decision | undefined {
  if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return skip('operation');
  if (!isPodRequest(request)) return skip('not-a-pod');
  if (request.subResource) return skip('subresource');
  const pod = request.object;
  if (!isPlainObject(pod)) return skip('malformed-pod', ['sidecar not injected: the request carries no pod object']);
  const keys = annotationKeys(config.annotationPrefix);

  if (isPlainObject(pod.metadata) && pod.metadata.deletionTimestamp) return skip('being-deleted');
  const optOut = annotation(pod, keys.inject);
  if (optOut !== undefined && OPT_OUT_VALUES.has(optOut.trim().toLowerCase())) return skip('opt-out');
  if (config.skipMirrorPods && annotation(pod, MIRROR_POD_ANNOTATION) !== undefined) return skip('mirror-pod');
  if (config.skipHostNetwork && isPlainObject(pod.spec) && pod.spec.hostNetwork === true) {
    return skip('host-network', [`${config.sidecar.name} not injected: the pod uses hostNetwork, where its port would be the node's`]);
  }
  const problem = malformation(pod);
  if (problem) return skip('malformed-pod', [`${config.sidecar.name} not injected: ${problem}`]);

  if (request.operation === 'UPDATE') {
    // The API server refuses added containers on UPDATE, and only `image` may change.
    if (findByName(pod, config.sidecar.name).length === 0) {
      return skip('update-cannot-inject', [
        `${config.sidecar.name} not injected: containers cannot be added to an existing pod; recreate the pod to get the sidecar`,
      ]);
    }
    if (!config.upgradeOnUpdate) return { action: 'unchanged', reason: 'upgrade on update disabled', patch: [], warnings: [] };
  }
  return undefined;
}

export function decide(request: AdmissionRequest, config: InjectorConfig): Decision {
  return triage(request, config) ?? decideWithRelease(request, config);
}

/**
 * The rest of the decision, for a request that `triage` let through (a pod CREATE, or an
 * upgrading UPDATE of a pod with the sidecar): the shell calls it after triage and after
 * fetching the release, so the checks are not run twice on the hot path.
 */
export function decideWithRelease(request: AdmissionRequest, config: InjectorConfig): Decision {
  const pod = request.object as Pod;
  return request.operation === 'CREATE' ? onCreate(pod, config) : onUpdate(pod, config);
}

function onCreate(pod: Pod, config: InjectorConfig): Decision {
  const found = findByName(pod, config.sidecar.name);
  const patch: PatchOperation[] = [];
  let action: Action;
  let reason: string;
  if (found.length === 0) {
    patch.push(addSidecar(pod, config));
    action = 'inject';
    reason = config.nativeSidecar ? 'sidecar added as native init container' : 'sidecar added';
  } else {
    const keep = chooseKept(pod, found, config);
    convergeContainer(keep, config, patch);
    removeDuplicates(found, keep, patch);
    action = 'converge';
    reason = found.length > 1 ? `existing sidecar brought to spec, ${found.length - 1} duplicate(s) removed` : 'existing sidecar brought to spec';
  }
  patch.push(...annotationOps(pod, config));
  if (patch.length === 0) return { action: 'unchanged', reason: 'sidecar at configured spec', patch, warnings: [] };
  return { action, reason, patch, warnings: portClashes(pod, config) };
}

/**
 * The API server accepts two containers declaring one port, but the containers of a pod share
 * a network namespace, so only one of them can listen on it: worth telling the user at once.
 */
function portClashes(pod: Pod, config: InjectorConfig): string[] {
  const warnings: string[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    for (const container of containerList(pod, list)) {
      if (container.name === config.sidecar.name || !Array.isArray(container.ports)) continue;
      if (container.ports.some((p) => isPlainObject(p) && p.containerPort === config.sidecar.port)) {
        warnings.push(
          `container "${String(container.name)}" also declares port ${config.sidecar.port}, which ${config.sidecar.name} listens on: containers of a pod share one network, so one of them will fail to bind it`,
        );
      }
    }
  }
  return warnings;
}

/**
 * An UPDATE of a pod that has the sidecar, with upgrade on update on (triage has answered
 * every other UPDATE): at most the sidecar's image and our annotations.
 */
function onUpdate(pod: Pod, config: InjectorConfig): Decision {
  const sidecar = findByName(pod, config.sidecar.name)[0] as Placement;
  const patch: PatchOperation[] = [];
  const imageChanges = sidecar.container.image !== config.release.image;
  if (imageChanges) {
    const path = pointer('spec', sidecar.list, sidecar.index, 'image');
    patch.push({ op: 'image' in sidecar.container ? 'replace' : 'add', path, value: config.release.image });
  }
  patch.push(...annotationOps(pod, config));
  if (patch.length === 0) return { action: 'unchanged', reason: 'sidecar at configured version', patch, warnings: [] };
  return {
    action: imageChanges ? 'upgrade' : 'converge',
    reason: imageChanges ? `sidecar image moved to ${config.release.image}` : 'annotations brought to configured version',
    patch,
    warnings: [],
  };
}

function isPodRequest(request: AdmissionRequest): boolean {
  const { kind, resource } = request;
  if (kind && (kind.kind !== 'Pod' || (kind.group ?? '') !== '')) return false;
  if (resource && (resource.resource !== 'pods' || (resource.group ?? '') !== '')) return false;
  return Boolean(kind || resource);
}

function skip(reason: SkipReason, warnings: string[] = []): Decision {
  return { action: 'skip', reason, patch: [], warnings };
}

/** The sidecar container as it is added to a pod that has none. */
export function sidecarContainer(config: InjectorConfig): JsonObject {
  const container = desiredSidecarFields(config);
  if (config.nativeSidecar) container.restartPolicy = 'Always';
  return container;
}

function addSidecar(pod: Pod, config: InjectorConfig): PatchOperation {
  const container = sidecarContainer(config);
  if (!config.nativeSidecar) return { op: 'add', path: '/spec/containers/-', value: container };
  // First init container, so it is running before the other init containers start.
  if (isPlainObject(pod.spec) && Array.isArray(pod.spec.initContainers)) {
    return { op: 'add', path: '/spec/initContainers/0', value: container };
  }
  return { op: 'add', path: '/spec/initContainers', value: [container] };
}

/**
 * The one to keep when the name is present more than once: the one where the mode puts it,
 * unless removing the others would leave the pod without a regular container (which the API
 * server refuses): then one among the regular containers stays.
 */
function chooseKept(pod: Pod, found: Placement[], config: InjectorConfig): Placement {
  const inContainers = found.filter((p) => p.list === 'containers');
  if (inContainers.length > 0 && inContainers.length === containerList(pod, 'containers').length) return inContainers[0] as Placement;
  const preferred = config.nativeSidecar ? 'initContainers' : 'containers';
  return found.find((p) => p.list === preferred) ?? (found[0] as Placement);
}

/**
 * An existing sidecar is converged where it stands: moving it between lists would be a
 * remove and an add for no gain. An init container must have restartPolicy Always to run
 * beside the app (without it the pod would wait for it forever); a regular container may not
 * have a restartPolicy at all.
 */
function convergeContainer(placement: Placement, config: InjectorConfig, patch: PatchOperation[]): void {
  const base = pointer('spec', placement.list, placement.index);
  reconcile(placement.container, desiredSidecarFields(config), base, patch);
  const restartPolicy = placement.container.restartPolicy;
  if (placement.list === 'initContainers' && restartPolicy !== 'Always') {
    patch.push({ op: restartPolicy === undefined ? 'add' : 'replace', path: `${base}/restartPolicy`, value: 'Always' });
  }
  if (placement.list === 'containers' && 'restartPolicy' in placement.container) {
    patch.push({ op: 'remove', path: `${base}/restartPolicy` });
  }
}

/**
 * Two containers with one name make the API server reject the pod, so on CREATE the extra
 * copies of our own sidecar go. Removed from the highest index down, so earlier removals do
 * not shift the indexes of later ones, and after the kept container's own operations (its
 * index is the lowest in its list, so they are unaffected).
 */
function removeDuplicates(found: Placement[], keep: Placement, patch: PatchOperation[]): void {
  const extra = found.filter((p) => p !== keep).sort((a, b) => (a.list === b.list ? b.index - a.index : a.list.localeCompare(b.list)));
  for (const p of extra) patch.push({ op: 'remove', path: pointer('spec', p.list, p.index) });
}

/** Our two annotations, creating `metadata` or `metadata.annotations` when absent, never replacing the map. */
function annotationOps(pod: Pod, config: InjectorConfig): PatchOperation[] {
  const keys = annotationKeys(config.annotationPrefix);
  const wanted: Record<string, string> = { [keys.status]: STATUS_INJECTED, [keys.version]: config.release.version };
  if (!isPlainObject(pod.metadata)) return [{ op: 'add', path: '/metadata', value: { annotations: wanted } }];
  const annotations = annotationsOf(pod);
  if (!annotations) return [{ op: 'add', path: '/metadata/annotations', value: wanted }];
  const ops: PatchOperation[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    if (annotations[key] === value) continue;
    ops.push({ op: key in annotations ? 'replace' : 'add', path: pointer('metadata', 'annotations', key), value });
  }
  return ops;
}
