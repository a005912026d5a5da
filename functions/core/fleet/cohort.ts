import { annotation, isPlainObject } from '../pod-view.ts';
import type { SidecarRelease } from '../injector-config.ts';
import type { Pod } from '../types.ts';
import { owningWorkload } from './workload.ts';

/**
 * Canary releases: each workload, never each pod, is in the stable or the canary cohort. The
 * cohort is a stable hash of namespace + owning workload (kind and name, from the pod's own
 * ownerReferences, the ReplicaSet's pod-template-hash stripped), so the pods of a Deployment are
 * never half on each version and a workload keeps its cohort across restarts and template
 * changes. `bucket < percent` makes cohorts grow monotonically: raising the percentage only adds
 * workloads to the canary. The annotation `<prefix>/cohort: stable|canary` on the pod (template)
 * pins a workload.
 */

export type Cohort = 'stable' | 'canary';

export interface CanaryRelease {
  release: SidecarRelease;
  /** 0 to 100: the share of workloads in the canary cohort. */
  percent: number;
}

export interface ReleaseChannels {
  stable: SidecarRelease;
  canary?: CanaryRelease;
}

export interface CohortChoice {
  cohort: Cohort;
  release: SidecarRelease;
  /** Why: `pinned`, or the workload's bucket (0-99) against the percentage. */
  reason: string;
}

export const COHORTS: readonly Cohort[] = ['stable', 'canary'];

export function cohortAnnotation(prefix: string): string {
  return `${prefix}/cohort`;
}

/** What the cohort is keyed on: `namespace/Kind/name`, a bare pod by its name (or generateName). */
export function cohortKey(pod: unknown, namespace: string): string {
  const workload = owningWorkload(pod);
  if (workload) return `${namespace}/${workload.kind}/${workload.name}`;
  const metadata = isPlainObject(pod) && isPlainObject(pod.metadata) ? pod.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  return `${namespace}/Pod/${name}`;
}

/**
 * 0 to 99, from FNV-1a (32 bit) over the key's UTF-8 bytes: small, fast, and the same in any
 * language, so an operator can compute a workload's cohort by hand.
 */
export function cohortBucket(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 100;
}

/** `key` defaults to the pod's own (cohortKey); the offline CLI passes the manifest's workload instead. */
export function chooseCohort(pod: unknown, namespace: string, channels: ReleaseChannels, prefix: string, key?: string): CohortChoice {
  const stable = { cohort: 'stable' as const, release: channels.stable };
  const canary = channels.canary;
  const pin = isPlainObject(pod) ? annotation(pod as Pod, cohortAnnotation(prefix))?.trim().toLowerCase() : undefined;
  if (pin === 'stable') return { ...stable, reason: 'pinned' };
  if (!canary) return { ...stable, reason: pin === 'canary' ? 'pinned to canary, but no canary is configured' : 'no canary' };
  if (pin === 'canary') return { cohort: 'canary', release: canary.release, reason: 'pinned' };
  const bucket = cohortBucket(key ?? cohortKey(pod, namespace));
  const reason = `bucket ${bucket} ${bucket < canary.percent ? '<' : '>='} ${canary.percent}%`;
  return bucket < canary.percent ? { cohort: 'canary', release: canary.release, reason } : { ...stable, reason };
}

/**
 * A canary as SSM holds it: JSON `{"version": "1.4.0", "percent": 30}` (with an optional
 * "image", else the stable image's repository with the canary version as its tag), or `none`
 * / `off` for no canary. Returns an error message for anything else.
 */
export function parseCanary(text: string): { canary?: { version: string; percent: number; image?: string } } | { error: string } {
  const value = text.trim();
  if (value === '' || /^(none|off)$/i.test(value)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { error: `canary "${value}" is not JSON such as {"version": "1.4.0", "percent": 30}, nor "none"` };
  }
  if (!isPlainObject(parsed)) return { error: 'canary must be a JSON object with version and percent' };
  const unknown = Object.keys(parsed).filter((k) => !['version', 'percent', 'image'].includes(k));
  if (unknown.length > 0) return { error: `canary has unknown field(s) ${unknown.join(', ')} (version, percent, image)` };
  const { version, percent, image } = parsed;
  if (typeof version !== 'string' || version.trim() === '') return { error: 'canary.version must be a non-empty string' };
  if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) return { error: 'canary.percent must be a whole number from 0 to 100' };
  if (image !== undefined && typeof image !== 'string') return { error: 'canary.image must be a string' };
  return { canary: { version: version.trim(), percent, ...(image !== undefined ? { image } : {}) } };
}
