import type { SidecarRelease } from '../injector-config.ts';
import type { PodClassification, PodState, UpgradePath } from './classify.ts';
import type { CanaryRelease, Cohort } from './cohort.ts';
import { workloadLabel, type WorkloadRef } from './workload.ts';

/**
 * The fleet report: classified pods grouped by namespace and owning workload, with totals.
 * Converged means nothing is outdated, mismatched or missing; completed, skipped and
 * not-selected pods never count against it.
 */

export const POD_STATES: readonly PodState[] = ['current', 'outdated', 'mismatch', 'missing', 'skipped', 'not-selected', 'completed'];
/** The states that mean the fleet is not at the release. */
export const DRIFT_STATES: ReadonlySet<PodState> = new Set(['outdated', 'mismatch', 'missing']);

export interface ClassifiedPod {
  namespace: string;
  name: string;
  workload?: WorkloadRef;
  /** With a canary configured: the cohort the pod's workload is in (its release is that cohort's). */
  cohort?: Cohort;
  classification: PodClassification;
}

export type StateCounts = Record<PodState, number>;

export interface WorkloadSummary {
  namespace: string;
  /** `Kind/name`, or `Pod/<name>` for a pod without an owner. */
  workload: string;
  pods: number;
  counts: StateCounts;
  /** Sidecar versions (version annotation) seen among its pods that are not completed, with counts. */
  versions: Record<string, number>;
  /** How rollout moves its drifting pods: `in-place`, `restart`, `mixed`, or `none` when nothing drifts. */
  upgrade: UpgradePath | 'mixed';
  /** With a canary configured: the workload's cohort. */
  cohort?: Cohort;
}

export interface FleetReport {
  release: SidecarRelease;
  canary?: CanaryRelease;
  /** With a canary configured: pods per cohort (completed and not-selected pods excluded). */
  cohorts?: Record<Cohort, number>;
  converged: boolean;
  totals: StateCounts & { pods: number };
  namespaces: number;
  workloads: WorkloadSummary[];
  /** Every pod that drifts or is skipped, with its reason (current, not-selected and completed pods are only counted). */
  pods: ClassifiedPod[];
}

export function emptyCounts(): StateCounts {
  return { current: 0, outdated: 0, mismatch: 0, missing: 0, skipped: 0, 'not-selected': 0, completed: 0 };
}

/** Accumulates pods one at a time, so a listing can be reported page by page without keeping the pods. */
export class FleetReportBuilder {
  readonly #release: SidecarRelease;
  readonly #canary: CanaryRelease | undefined;
  readonly #cohorts: Record<Cohort, number> = { stable: 0, canary: 0 };
  readonly #workloads = new Map<string, WorkloadSummary & { paths: Set<UpgradePath> }>();
  readonly #totals = emptyCounts();
  readonly #namespaces = new Set<string>();
  #pods = 0;
  readonly #details: ClassifiedPod[] = [];

  constructor(release: SidecarRelease, canary?: CanaryRelease) {
    this.#release = release;
    this.#canary = canary;
  }

  add(pod: ClassifiedPod): void {
    const label = workloadLabel(pod.workload, pod.name);
    const key = `${pod.namespace}\u0000${label}`;
    let summary = this.#workloads.get(key);
    if (!summary) {
      summary = { namespace: pod.namespace, workload: label, pods: 0, counts: emptyCounts(), versions: {}, upgrade: 'none', paths: new Set() };
      if (pod.cohort) summary.cohort = pod.cohort;
      this.#workloads.set(key, summary);
    }
    const { state, version, upgrade } = pod.classification;
    if (pod.cohort && state !== 'completed' && state !== 'not-selected') this.#cohorts[pod.cohort]++;
    summary.pods++;
    summary.counts[state]++;
    if (state !== 'completed' && version !== undefined) summary.versions[version] = (summary.versions[version] ?? 0) + 1;
    if (DRIFT_STATES.has(state)) summary.paths.add(upgrade);
    if (DRIFT_STATES.has(state) || state === 'skipped') this.#details.push(pod);
    this.#totals[state]++;
    this.#namespaces.add(pod.namespace);
    this.#pods++;
  }

  build(): FleetReport {
    const workloads = [...this.#workloads.values()]
      .map(({ paths, ...summary }) => ({ ...summary, upgrade: paths.size === 0 ? 'none' : paths.size === 1 ? ([...paths][0] as UpgradePath) : ('mixed' as const) }))
      .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.workload.localeCompare(b.workload));
    const converged = [...DRIFT_STATES].every((state) => this.#totals[state] === 0);
    return {
      release: this.#release,
      ...(this.#canary ? { canary: this.#canary, cohorts: { ...this.#cohorts } } : {}),
      converged,
      totals: { ...this.#totals, pods: this.#pods },
      namespaces: this.#namespaces.size,
      workloads,
      pods: this.#details,
    };
  }
}
