import { imageRepository, imageTag, sameImage } from './image-reference.ts';
import { annotationKeys, MIRROR_POD_ANNOTATION, STATUS_INJECTED, type InjectorConfig, type InjectorSettings } from './injector-config.ts';
import { deepFreeze } from './deep-freeze.ts';
import { pointer } from './json-pointer.ts';
import { raisePodResources } from './pod-level-resources.ts';
import { annotation, annotationsOf, containerList, findByName, isPlainObject, malformation, type ContainerList, type Placement } from './pod-view.ts';
import { findKeyed, reconcile, satisfies } from './reconcile.ts';
import { isWindowsPod, renderTemplate, type RenderedTemplate } from './template/render.ts';
import type { AdmissionRequest, Container, JsonObject, JsonValue, PatchOperation, Pod } from './types.ts';
import { compareVersions } from './version-order.ts';

/**
 * The decision: a pure function of (request, config). It does not check a flag; it compares
 * the pod it is given with the pod it should be (every template item present exactly once,
 * converged by key, with our annotations) and returns the operations that close the gap. A pod
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
  | 'windows-pod'
  | 'no-containers'
  | 'volume-conflict'
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
const FINISHED_PHASES = new Set(['Succeeded', 'Failed']);

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
  const sidecarName = config.template.sidecarName;

  if (isPlainObject(pod.metadata) && pod.metadata.deletionTimestamp) return skip('being-deleted');
  const optOut = annotation(pod, keys.inject);
  if (optOut !== undefined && OPT_OUT_VALUES.has(optOut.trim().toLowerCase())) return skip('opt-out');
  if (config.skipMirrorPods && annotation(pod, MIRROR_POD_ANNOTATION) !== undefined) return skip('mirror-pod');
  if (config.skipHostNetwork && isPlainObject(pod.spec) && pod.spec.hostNetwork === true) {
    return skip('host-network', [`${sidecarName} not injected: the pod uses hostNetwork, where its port would be the node's`]);
  }
  const problem = malformation(pod);
  if (problem) return skip('malformed-pod', [`${sidecarName} not injected: ${problem}`]);
  if (config.skipWindowsPods && isWindowsPod(pod)) {
    return skip('windows-pod', [`${sidecarName} not injected: Windows pods are skipped (SKIP_WINDOWS_PODS)`]);
  }
  if (containerList(pod, 'containers').length === 0) {
    // Injecting would make a pod that runs only the sidecar out of one the API server refuses.
    return skip('no-containers', [`${sidecarName} not injected: the pod has no containers`]);
  }

  if (request.operation === 'UPDATE') {
    // The API server refuses added containers on UPDATE, and only `image` may change.
    if (findByName(pod, sidecarName).length === 0) {
      return skip('update-cannot-inject', [
        `${sidecarName} not injected: containers cannot be added to an existing pod; recreate the pod to get the sidecar`,
      ]);
    }
    if (!config.upgradeOnUpdate) return unchanged('upgrade on update disabled');
    const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
    if (typeof phase === 'string' && FINISHED_PHASES.has(phase)) return unchanged(`pod ${phase}: its sidecar is not upgraded`);
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
  const rendered = renderTemplate(pod, config);
  const conflict = volumeConflict(pod, rendered);
  if (conflict) return skip('volume-conflict', [`${config.template.sidecarName} not injected: ${conflict}`]);

  const patch: PatchOperation[] = [];
  const version = sidecarVersion(pod, config);
  const added = new Set<string>();
  const removals: Placement[] = [];
  for (const [list, desired] of [['initContainers', rendered.initContainers], ['containers', rendered.containers]] as const) {
    for (const container of desired) {
      const found = findByName(pod, container.name);
      if (found.length === 0) {
        added.add(container.name);
        continue;
      }
      const keep = chooseKept(pod, found, list);
      convergeContainer(keep, container, rendered, config, version, patch);
      removals.push(...found.filter((p) => p !== keep));
    }
  }
  patch.push(...removeContainers(removals));
  if (added.size > 0) {
    patch.push(...insertInitContainers(pod, rendered.initContainers, added, removals));
    for (const container of rendered.containers) if (added.has(container.name)) patch.push({ op: 'add', path: '/spec/containers/-', value: container });
  }
  patch.push(...mergeKeyedList(pod, 'volumes', rendered.volumes), ...mergeKeyedList(pod, 'imagePullSecrets', rendered.imagePullSecrets));

  const raised = added.size > 0 ? raisePodResources(pod, patch) : [];
  patch.push(...raised);
  patch.push(...annotationOps(pod, config, version.annotation));
  if (patch.length === 0) return unchanged('sidecar at configured spec');

  const notes = [...rendered.notes, ...(raised.length > 0 ? ['pod-level resources raised for the injected containers'] : [])];
  const what =
    added.size > 0
      ? `${[...added].join(', ')} added${rendered.native ? ' as native sidecar' : ''}`
      : `existing sidecar brought to spec${removals.length > 0 ? `, ${removals.length} duplicate(s) removed` : ''}`;
  const warnings = [...rendered.warnings, ...portClashes(pod, rendered)];
  return { action: added.size > 0 ? 'inject' : 'converge', reason: [what, ...notes].join('; '), patch, warnings };
}

/**
 * The version the sidecar runs once this decision is applied, and so the version annotation.
 * Normally the release's; but when the pod's own annotation names a newer release and the
 * sidecar runs exactly that release's image (another function instance, with a fresher cache,
 * injected it a moment ago in this same admission), it is kept: an injector never moves a
 * sidecar backwards, so two instances whose caches differ cannot flip a pod between releases.
 */
interface VersionChoice {
  keepImage: boolean;
  annotation: string;
}

function sidecarVersion(pod: Pod, config: InjectorConfig): VersionChoice {
  const annotated = annotation(pod, annotationKeys(config.annotationPrefix).version);
  const sidecar = findByName(pod, config.template.sidecarName)[0];
  if (annotated === undefined || !sidecar) return { keepImage: false, annotation: config.release.version };
  const order = compareVersions(annotated, config.release.version);
  if (order !== undefined && order > 0 && runsReleaseImage(sidecar.container.image, annotated, config)) {
    return { keepImage: true, annotation: annotated };
  }
  return { keepImage: false, annotation: config.release.version };
}

/**
 * Whether `image` is what the release at `version` runs: the release's repository with that
 * version as its tag (a digest appended by a pinning policy is fine). When the release pins a
 * tag or digest of its own, any image of its repository counts.
 */
export function runsReleaseImage(image: unknown, version: string, config: InjectorConfig): boolean {
  const repository = imageRepository(config.release.image);
  if (repository === undefined || imageRepository(image) !== repository) return false;
  const derived = imageTag(config.release.image) === config.release.version;
  return !derived || imageTag(image) === version;
}

/**
 * An UPDATE of a pod that has the sidecar, with upgrade on update on (triage has answered
 * every other UPDATE): at most the sidecar's image and the version annotation, and only
 * forward. The pod's version annotation must name an older release than the current one and
 * the container must still run that release's image; a sidecar someone pinned by hand, or a
 * newer one, is left alone.
 */
function onUpdate(pod: Pod, config: InjectorConfig): Decision {
  const sidecar = findByName(pod, config.template.sidecarName)[0] as Placement;
  const keys = annotationKeys(config.annotationPrefix);
  const annotated = annotation(pod, keys.version);
  const { image, version } = config.release;
  if (sameImage(sidecar.container.image, image)) {
    const patch = annotated === version ? [] : annotationOps(pod, config, version);
    if (patch.length === 0) return unchanged('sidecar at current release');
    return { action: 'converge', reason: 'version annotation brought to the release the sidecar runs', patch, warnings: [] };
  }
  if (annotated === undefined) return unchanged('sidecar has no version annotation: not upgraded');
  const order = compareVersions(annotated, version);
  if (order === undefined) return unchanged(`versions ${annotated} and ${version} are not ordered: not upgraded`);
  if (order >= 0) return unchanged(`sidecar at ${annotated}, not older than ${version}: not upgraded`);
  if (!runsReleaseImage(sidecar.container.image, annotated, config)) return unchanged(`sidecar image pinned by hand: not upgraded`);
  const path = pointer('spec', sidecar.list, sidecar.index, 'image');
  const patch: PatchOperation[] = [{ op: 'image' in sidecar.container ? 'replace' : 'add', path, value: image }];
  patch.push(...annotationOps(pod, config, version));
  return { action: 'upgrade', reason: `sidecar moved from ${annotated} to ${version} (${image})`, patch, warnings: [] };
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

function unchanged(reason: string): Decision {
  return { action: 'unchanged', reason, patch: [], warnings: [] };
}

/**
 * A template volume whose name the pod already uses for something else: injecting would give
 * the pod two volume sources under one name, which the API server refuses, or mount the app's
 * volume into the sidecar. The pod is left alone, with a warning.
 */
function volumeConflict(pod: Pod, rendered: RenderedTemplate): string | undefined {
  const volumes = isPlainObject(pod.spec) && Array.isArray(pod.spec.volumes) ? pod.spec.volumes : [];
  for (const volume of rendered.volumes) {
    const index = findKeyed(volumes, 'name', volume.name);
    if (index !== -1 && !satisfies(volumes[index], volume)) {
      return `the pod already has a volume named "${String(volume.name)}" that is not the template's; rename one of them`;
    }
  }
  return undefined;
}

/**
 * The one to keep when a name is present more than once: the one in the list the template
 * puts it in, unless removing the others would leave the pod without a regular container
 * (which the API server refuses): then one among the regular containers stays.
 */
function chooseKept(pod: Pod, found: Placement[], preferred: ContainerList): Placement {
  const inContainers = found.filter((p) => p.list === 'containers');
  if (inContainers.length > 0 && inContainers.length === containerList(pod, 'containers').length) return inContainers[0] as Placement;
  return found.find((p) => p.list === preferred) ?? (found[0] as Placement);
}

/**
 * An existing container is converged where it stands, field by field and list item by key:
 * moving it between lists would be a remove and an add for no gain. Its image counts as right
 * when it is the same reference up to registry normalisation or a pinned digest. A sidecar
 * among the init containers must have restartPolicy Always to run beside the app (without it
 * the pod would wait for it forever); among the regular containers it may not have one.
 */
function convergeContainer(
  placement: Placement,
  desired: Container,
  rendered: RenderedTemplate,
  config: InjectorConfig,
  version: VersionChoice,
  patch: PatchOperation[],
): void {
  const base = pointer('spec', placement.list, placement.index);
  const image = desired.image;
  reconcile(placement.container, convergedFields(desired), base, patch);
  const keepImage = sameImage(placement.container.image, image as string) || (desired.name === config.template.sidecarName && version.keepImage);
  if (typeof image === 'string' && !keepImage) patch.push({ op: 'image' in placement.container ? 'replace' : 'add', path: `${base}/image`, value: image });
  if (!rendered.sidecarNames.has(desired.name)) return;
  const restartPolicy = placement.container.restartPolicy;
  if (placement.list === 'initContainers' && restartPolicy !== 'Always') {
    patch.push({ op: restartPolicy === undefined ? 'add' : 'replace', path: `${base}/restartPolicy`, value: 'Always' });
  }
  if (placement.list === 'containers' && 'restartPolicy' in placement.container) patch.push({ op: 'remove', path: `${base}/restartPolicy` });
}

/** A template container without the fields converged separately (image, restartPolicy); made once per rendered container. */
const fieldsOf = new WeakMap<Container, JsonObject>();

function convergedFields(desired: Container): JsonObject {
  let fields = fieldsOf.get(desired);
  if (!fields) {
    const { image: _image, restartPolicy: _restart, ...rest } = desired;
    fields = deepFreeze(rest as JsonObject);
    fieldsOf.set(desired, fields);
  }
  return fields;
}

/**
 * Two containers with one name make the API server reject the pod, so on CREATE the extra
 * copies of a template container go. Removed from the highest index down, so earlier removals
 * do not shift the indexes of later ones, and after the kept containers' own operations.
 */
function removeContainers(removals: Placement[]): PatchOperation[] {
  const ordered = [...removals].sort((a, b) => (a.list === b.list ? b.index - a.index : a.list.localeCompare(b.list)));
  return ordered.map((p) => ({ op: 'remove', path: pointer('spec', p.list, p.index) }));
}

/**
 * The template's init containers that are missing, each inserted after the one before it in
 * the template (so setup steps run first, then the native sidecars, then the pod's own init
 * containers), computed on the list as it stands after the removals.
 */
function insertInitContainers(pod: Pod, desired: readonly Container[], added: ReadonlySet<string>, removals: Placement[]): PatchOperation[] {
  const missing = desired.filter((c) => added.has(c.name));
  if (missing.length === 0) return [];
  if (!isPlainObject(pod.spec) || !Array.isArray(pod.spec.initContainers)) return [{ op: 'add', path: '/spec/initContainers', value: missing }];
  const removed = new Set(removals.filter((p) => p.list === 'initContainers').map((p) => p.index));
  const names = containerList(pod, 'initContainers')
    .filter((_, index) => !removed.has(index))
    .map((c) => c.name);
  const ops: PatchOperation[] = [];
  let position = 0;
  for (const container of desired) {
    const at = names.indexOf(container.name);
    if (at !== -1) {
      position = Math.max(position, at + 1);
      continue;
    }
    if (!added.has(container.name)) continue; // stands among the regular containers: converged there
    ops.push({ op: 'add', path: `/spec/initContainers/${position}`, value: container });
    names.splice(position, 0, container.name);
    position++;
  }
  return ops;
}

/** Template volumes and pull secrets by name: missing ones added, the pod's own never touched. */
function mergeKeyedList(pod: Pod, list: 'volumes' | 'imagePullSecrets', desired: JsonObject[]): PatchOperation[] {
  if (desired.length === 0) return [];
  const actual = isPlainObject(pod.spec) ? pod.spec[list] : undefined;
  if (!Array.isArray(actual)) return [{ op: 'add', path: `/spec/${list}`, value: desired }];
  const ops: PatchOperation[] = [];
  reconcile(actual, desired, `/spec/${list}`, ops, list);
  return ops;
}

/**
 * The API server accepts two containers declaring one port, but the containers of a pod share
 * a network namespace, so only one of them can listen on it: worth telling the user at once.
 */
function portClashes(pod: Pod, rendered: RenderedTemplate): string[] {
  const ours = rendered.ports;
  if (ours.size === 0) return [];
  const warnings: string[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    for (const container of containerList(pod, list)) {
      if (rendered.sidecarNames.has(container.name) || !Array.isArray(container.ports)) continue;
      for (const port of container.ports) {
        const owner = isPlainObject(port) ? ours.get(port.containerPort) : undefined;
        if (owner === undefined) continue;
        warnings.push(
          `container "${String(container.name)}" also declares port ${String((port as JsonObject).containerPort)}, which ${owner} listens on: containers of a pod share one network, so one of them will fail to bind it`,
        );
      }
    }
  }
  return warnings;
}

/** Our two annotations, creating `metadata` or `metadata.annotations` when absent, never replacing the map. */
function annotationOps(pod: Pod, config: InjectorConfig, version: string): PatchOperation[] {
  const keys = annotationKeys(config.annotationPrefix);
  if (!isPlainObject(pod.metadata)) return [{ op: 'add', path: '/metadata', value: { annotations: { [keys.status]: STATUS_INJECTED, [keys.version]: version } } }];
  const annotations = annotationsOf(pod);
  if (!annotations) return [{ op: 'add', path: '/metadata/annotations', value: { [keys.status]: STATUS_INJECTED, [keys.version]: version } }];
  const ops: PatchOperation[] = [];
  if (annotations[keys.status] !== STATUS_INJECTED) {
    ops.push({ op: keys.status in annotations ? 'replace' : 'add', path: keys.statusPointer, value: STATUS_INJECTED });
  }
  if (annotations[keys.version] !== version) ops.push({ op: keys.version in annotations ? 'replace' : 'add', path: keys.versionPointer, value: version });
  return ops;
}
