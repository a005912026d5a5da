import { DRIFT_STATES, type ClassifiedPod } from './report.ts';
import { RESTARTABLE_KINDS, workloadLabel, type WorkloadRef } from './workload.ts';
import type { Cohort } from './cohort.ts';

/**
 * The rollout plan: which drifting pods move how, in which waves. Pure: the CLI executes it.
 *
 * - In place: a pod whose sidecar the webhook moves on UPDATE (classification `in-place`) is
 *   asked for an upgrade; only its sidecar container restarts. One unit per pod.
 * - Restart: a Deployment, StatefulSet or DaemonSet with any pod that cannot move in place (the
 *   template changed beyond the image, a missing sidecar, a version the webhook will not move
 *   backwards to) is restarted as `kubectl rollout restart` does, once, so its own strategy
 *   applies; its in-place pods go with it. One unit per workload, weighing its pods.
 * - Never touched, only reported: bare pods and Job pods, and pods whose owner cannot be
 *   restarted when a restart is what they need.
 *
 * Waves hold up to `batchSize` pods (a workload restart is never split; one larger than the
 * batch is a wave of its own), the canary cohort's waves first, and never mix cohorts.
 */

export type RolloutUnit =
  | { action: 'in-place'; namespace: string; workload: string; cohort?: Cohort; pod: string }
  | { action: 'restart'; namespace: string; workload: string; cohort?: Cohort; target: WorkloadRef; pods: string[] };

export interface UntouchedPod {
  namespace: string;
  pod: string;
  workload: string;
  reason: string;
}

export interface RolloutPlan {
  waves: RolloutUnit[][];
  untouched: UntouchedPod[];
  /** Drifting pods the plan moves. */
  pods: number;
}

const NEVER_TOUCHED = new Set(['Job']);

export function unitPods(unit: RolloutUnit): number {
  return unit.action === 'in-place' ? 1 : unit.pods.length;
}

export function planRollout(pods: ClassifiedPod[], batchSize: number): RolloutPlan {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a whole number of at least 1');
  const drifting = pods.filter((p) => DRIFT_STATES.has(p.classification.state));
  const untouched: UntouchedPod[] = [];
  const restarts = new Map<string, Extract<RolloutUnit, { action: 'restart' }>>();
  const inPlace: Array<Extract<RolloutUnit, { action: 'in-place' }>> = [];

  for (const pod of drifting) {
    const label = workloadLabel(pod.workload, pod.name);
    const owner = pod.workload;
    const base = { namespace: pod.namespace, workload: label, ...(pod.cohort ? { cohort: pod.cohort } : {}) };
    if (!owner) {
      untouched.push({ namespace: pod.namespace, pod: pod.name, workload: label, reason: 'a bare pod: recreate it yourself' });
      continue;
    }
    if (NEVER_TOUCHED.has(owner.kind)) {
      untouched.push({ namespace: pod.namespace, pod: pod.name, workload: label, reason: 'a Job pod: the next run gets the release' });
      continue;
    }
    if (pod.classification.upgrade === 'in-place') {
      inPlace.push({ action: 'in-place', ...base, pod: pod.name });
      continue;
    }
    if (!RESTARTABLE_KINDS.has(owner.kind)) {
      untouched.push({ namespace: pod.namespace, pod: pod.name, workload: label, reason: `needs a new pod and ${owner.kind} is not restarted by this tool` });
      continue;
    }
    const key = `${pod.namespace}\u0000${label}`;
    const unit = restarts.get(key) ?? { action: 'restart' as const, ...base, target: owner, pods: [] };
    unit.pods.push(pod.name);
    restarts.set(key, unit);
  }

  // A workload that is restarted takes its in-place pods along.
  const units: RolloutUnit[] = [];
  for (const unit of inPlace) {
    const restart = restarts.get(`${unit.namespace}\u0000${unit.workload}`);
    if (restart) restart.pods.push(unit.pod);
    else units.push(unit);
  }
  units.push(...restarts.values());

  const order = (u: RolloutUnit) => `${u.cohort === 'canary' ? 0 : 1}\u0000${u.namespace}\u0000${u.workload}\u0000${u.action === 'in-place' ? u.pod : ''}`;
  units.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));

  const waves: RolloutUnit[][] = [];
  let wave: RolloutUnit[] = [];
  let size = 0;
  for (const unit of units) {
    const weight = unitPods(unit);
    const cohortChanges = wave.length > 0 && wave[0]?.cohort !== unit.cohort;
    if (wave.length > 0 && (size + weight > batchSize || cohortChanges)) {
      waves.push(wave);
      wave = [];
      size = 0;
    }
    wave.push(unit);
    size += weight;
  }
  if (wave.length > 0) waves.push(wave);
  return { waves, untouched, pods: units.reduce((n, u) => n + unitPods(u), 0) };
}
