import { decide, runsReleaseImage } from '../decide.ts';
import { sameImage } from '../image-reference.ts';
import { annotationKeys, type InjectorConfig } from '../injector-config.ts';
import { annotation, findByName, isPlainObject } from '../pod-view.ts';
import { pointer } from '../json-pointer.ts';
import type { AdmissionRequest, PatchOperation, Pod } from '../types.ts';
import { compareVersions, versionGap, type VersionGap } from '../version-order.ts';

/**
 * Where one pod stands against the current release, answered by the webhook's own decision
 * (one source of truth: what would the webhook do to this pod now). The shell lists the pods
 * and says whether the webhook's selectors match; everything else is decided here.
 *
 * - completed: Succeeded or Failed, never counted as drift.
 * - not-selected: the API server would not send it to the webhook.
 * - skipped: the webhook would leave it alone (opt-out, hostNetwork, ...), with the reason.
 * - missing: selected, not skipped, no sidecar (created during an outage under Ignore, or
 *   before the label).
 * - mismatch: the bookkeeping disagrees with what runs (the version annotation names one
 *   release, the container runs another image, or there is no annotation).
 * - outdated: an older release (`gap` says by how much), a version the order does not know, a
 *   newer one than the release (after a rollback), or the release's image but a template that
 *   changed beyond the image.
 * - current: the release's image and version, and nothing else to converge.
 */

export type PodState = 'current' | 'outdated' | 'mismatch' | 'missing' | 'skipped' | 'not-selected' | 'completed';

/** How `rollout` can bring a pod to the release. */
export type UpgradePath = 'in-place' | 'restart' | 'none';

export interface PodClassification {
  state: PodState;
  /** A sentence for people: why this state. */
  reason: string;
  /** For skipped pods, the webhook's SkipReason. */
  skipReason?: string;
  /** The version annotation, when present. */
  version?: string;
  /** The sidecar container's image, when present. */
  image?: string;
  /** For outdated pods: how far behind (or `ahead`, or `unordered` versions, or `template` only). */
  gap?: VersionGap | 'ahead' | 'unordered' | 'template';
  /** For outdated, mismatch and missing pods: how rollout moves them (in place through the webhook's UPDATE, or a restart of the workload). */
  upgrade: UpgradePath;
}

const FINISHED = new Set(['Succeeded', 'Failed']);

export function classifyPod(pod: Pod, namespace: string, config: InjectorConfig, selected: boolean): PodClassification {
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (typeof phase === 'string' && FINISHED.has(phase)) return { state: 'completed', reason: `pod ${phase}`, upgrade: 'none' };
  if (!selected) return { state: 'not-selected', reason: "the webhook's selectors do not match", upgrade: 'none' };

  const onCreate = decide(review(pod, namespace, 'CREATE'), config);
  if (onCreate.action === 'skip') {
    return { state: 'skipped', reason: onCreate.warnings[0] ?? onCreate.reason, skipReason: onCreate.reason, upgrade: 'none' };
  }
  const sidecar = findByName(pod, config.template.sidecarName)[0];
  if (!sidecar) return { state: 'missing', reason: 'selected for injection but has no sidecar', upgrade: upgradePath(pod, namespace, config, onCreate.patch) };

  const version = annotation(pod, annotationKeys(config.annotationPrefix).version);
  const image = typeof sidecar.container.image === 'string' ? sidecar.container.image : undefined;
  const seen = { ...(version !== undefined ? { version } : {}), ...(image !== undefined ? { image } : {}) };
  const release = config.release;

  if (sameImage(image, release.image)) {
    if (version !== release.version) {
      return { state: 'mismatch', ...seen, reason: `runs ${release.image} but its version annotation says ${version ?? '(none)'}`, upgrade: upgradePath(pod, namespace, config, onCreate.patch) };
    }
    if (onCreate.patch.length === 0) return { state: 'current', ...seen, reason: 'at the release', upgrade: 'none' };
    return { state: 'outdated', ...seen, gap: 'template', reason: `runs ${release.version}, but the template changed: ${onCreate.reason}`, upgrade: upgradePath(pod, namespace, config, onCreate.patch) };
  }
  if (version === undefined) {
    return { state: 'mismatch', ...seen, reason: `runs ${image ?? '(no image)'} without a version annotation`, upgrade: upgradePath(pod, namespace, config, onCreate.patch) };
  }
  if (!runsReleaseImage(image, version, config)) {
    return { state: 'mismatch', ...seen, reason: `version annotation says ${version} but the sidecar runs ${image ?? '(no image)'}`, upgrade: upgradePath(pod, namespace, config, onCreate.patch) };
  }
  const order = compareVersions(version, release.version);
  const gap = order === undefined ? 'unordered' : order > 0 ? 'ahead' : (versionGap(version, release.version) ?? 'unordered');
  const what = gap === 'ahead' ? `newer than the release ${release.version}` : gap === 'unordered' ? `not ordered against ${release.version}` : `${gap} version(s) behind ${release.version}`;
  return { state: 'outdated', ...seen, gap, reason: `runs ${version}: ${what}`, upgrade: upgradePath(pod, namespace, config, onCreate.patch) };
}

/**
 * In place when the webhook, asked on an UPDATE, would move the sidecar (it only moves forward,
 * and only with upgrade on update on), and its CREATE decision, what the pod should look like
 * now, differs from the pod only in that sidecar's image and our bookkeeping annotations: the
 * template did not change beyond the image. Otherwise only a new pod (a restart of its workload)
 * gets there. Read from the patches already decided, so a pod costs two decisions.
 */
function upgradePath(pod: Pod, namespace: string, config: InjectorConfig, onCreate: PatchOperation[]): UpgradePath {
  const onUpdate = decide(review(pod, namespace, 'UPDATE'), config);
  if (onUpdate.patch.length === 0) return 'restart';
  const sidecar = findByName(pod, config.template.sidecarName)[0];
  if (!sidecar) return 'restart';
  const keys = annotationKeys(config.annotationPrefix);
  const allowed = new Set([pointer('spec', sidecar.list, sidecar.index, 'image'), pointer('metadata', 'annotations', keys.version), pointer('metadata', 'annotations', keys.status)]);
  return onCreate.every((op) => allowed.has(op.path)) ? 'in-place' : 'restart';
}

function review(pod: Pod, namespace: string, operation: 'CREATE' | 'UPDATE'): AdmissionRequest {
  return {
    uid: 'fleet-status',
    operation,
    namespace,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    object: pod,
  };
}
