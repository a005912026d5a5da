import { createHash } from 'node:crypto';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CanaryRelease } from '../core/fleet/cohort.ts';
import { podRunsImage, workloadRolledOut } from '../core/fleet/readiness.ts';
import { DRIFT_STATES, type ClassifiedPod } from '../core/fleet/report.ts';
import { planRollout, unitPods, type RolloutPlan, type RolloutUnit } from '../core/fleet/rollout-plan.ts';
import { owningWorkload } from '../core/fleet/workload.ts';
import type { InjectorConfig, SidecarRelease } from '../core/injector-config.ts';
import { clusterReader, loadKubeConfig, type KubeConfigOptions } from '../shell/kube-cluster.ts';
import { fleetWriter, type FleetWriter, type RestartableKind } from '../shell/kube-workloads.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { loadCliConfig, type ReleaseFlags } from './release.ts';
import { classifyCluster, unavailableOnError, unavailableOnErrorAsync, type ClassifyOptions } from './status-command.ts';

/**
 * `sidecar-injector rollout`: brings outdated pods to the current release, in waves. The webhook
 * stays the only writer of sidecar specs: for a pod the webhook can move in place, the tool only
 * annotates the pod, and the webhook's UPDATE path moves the sidecar image (only the sidecar
 * restarts); a workload that needs new pods is restarted as `kubectl rollout restart` does.
 * After each wave it waits, up to --timeout, until the wave's pods are Ready with the release;
 * on failure it stops and says what moved and what did not. It is safe to interrupt and to run
 * again: it plans from what the cluster shows, and a workload it already restarted for this
 * release is waited for, not restarted twice.
 */

export interface RolloutOptions extends ReleaseFlags, KubeConfigOptions, ClassifyOptions {
  batchSize: number;
  /** Seconds each wave may take. */
  timeout: number;
  dryRun?: boolean;
  /** Milliseconds between checks while a wave runs. */
  pollInterval: number;
}

export interface RolloutDeps {
  ssmClient?: Pick<SSMClient, 'send'>;
  kubeConfig?: KubeConfig;
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
/** Requests to the webhook are repeated this often while a pod has not moved (its release cache may be older than SSM). */
const REQUEST_AGAIN_MS = 5_000;

export async function runRollout(options: RolloutOptions, env: Record<string, string | undefined>, io: CliIo, deps: RolloutDeps = {}): Promise<ExitCode> {
  const { config, canary, releaseFrom } = await loadCliConfig(env, options, deps.ssmClient);
  const kc = deps.kubeConfig ?? unavailableOnError(() => loadKubeConfig(options, env));
  const reader = clusterReader(kc);
  const drifting: ClassifiedPod[] = [];
  await unavailableOnErrorAsync(() =>
    classifyCluster(reader, options, config, io, canary, (pod) => {
      if (DRIFT_STATES.has(pod.classification.state)) drifting.push(pod);
    }),
  );
  const plan = planRollout(drifting, options.batchSize);
  const releaseNote = `release ${config.release.version} (${config.release.image})${canary ? `, canary ${canary.release.version} for ${canary.percent}%` : ''} from ${releaseFrom}`;
  io.stdout(renderPlan(plan));
  if (options.dryRun) {
    io.stderr(`sidecar-injector rollout: dry run, nothing changed; ${releaseNote}\n`);
    return EXIT.OK;
  }
  if (plan.waves.length === 0) {
    io.stderr(`sidecar-injector rollout: nothing to move; ${releaseNote}\n`);
    return EXIT.OK;
  }
  io.stderr(`sidecar-injector rollout: ${plan.pods} pods in ${plan.waves.length} waves; ${releaseNote}\n`);
  const writer = fleetWriter(kc);
  const run = new WaveRunner(writer, config, canary, options, io);
  let moved = 0;
  for (const [index, wave] of plan.waves.entries()) {
    const label = `wave ${index + 1}/${plan.waves.length}${wave[0]?.cohort ? ` (${wave[0].cohort})` : ''}`;
    const failures = await unavailableOnErrorAsync(() => run.wave(wave));
    if (failures.length > 0) {
      io.stderr(`sidecar-injector rollout: ${label} did not finish within ${options.timeout}s:\n`);
      for (const failure of failures) io.stderr(`  ${failure}\n`);
      const left = plan.waves.slice(index + 1).reduce((n, w) => n + w.reduce((m, u) => m + unitPods(u), 0), 0);
      io.stderr(`sidecar-injector rollout: stopped. Moved ${moved} pods in ${index} waves; ${wave.reduce((n, u) => n + unitPods(u), 0)} pods in the failed wave; ${left} pods in later waves not touched. Run again once fixed.\n`);
      return EXIT.FAILED;
    }
    moved += wave.reduce((n, u) => n + unitPods(u), 0);
    io.stderr(`sidecar-injector rollout: ${label} done: ${describeWave(wave)}\n`);
  }
  const untouched = plan.untouched.length > 0 ? `; ${plan.untouched.length} pods left as they are (listed above)` : '';
  io.stderr(`sidecar-injector rollout: done. Moved ${moved} pods in ${plan.waves.length} waves${untouched}\n`);
  return EXIT.OK;
}

class WaveRunner {
  readonly #writer: FleetWriter;
  readonly #config: InjectorConfig;
  readonly #canary: CanaryRelease | undefined;
  readonly #options: RolloutOptions;
  readonly #requestKey: string;
  readonly #restartKey: string;

  constructor(writer: FleetWriter, config: InjectorConfig, canary: CanaryRelease | undefined, options: RolloutOptions, io: CliIo) {
    void io;
    this.#writer = writer;
    this.#config = config;
    this.#canary = canary;
    this.#options = options;
    this.#requestKey = `${config.annotationPrefix}/upgrade-requested`;
    this.#restartKey = `${config.annotationPrefix}/restarted-for`;
  }

  #release(unit: RolloutUnit): SidecarRelease {
    return unit.cohort === 'canary' && this.#canary ? this.#canary.release : this.#config.release;
  }

  /**
   * What a restart is for: the release and the template. A workload whose template already
   * carries it was restarted for exactly this by an earlier run: it is waited for, not restarted.
   */
  #restartMark(release: SidecarRelease): string {
    const template = createHash('sha256').update(JSON.stringify(this.#config.template)).digest('hex').slice(0, 12);
    return `${release.version}.${template}`;
  }

  /** Acts on every unit, then waits; returns why units did not finish (empty when the wave is done). */
  async wave(units: RolloutUnit[]): Promise<string[]> {
    const requested = new Map<RolloutUnit, number>();
    for (const unit of units) {
      if (unit.action === 'in-place') {
        await this.#requestUpgrade(unit);
        requested.set(unit, Date.now());
      } else {
        const kind = unit.target.kind as RestartableKind;
        const mark = this.#restartMark(this.#release(unit));
        const workload = await this.#writer.readWorkload(kind, unit.namespace, unit.target.name);
        if (!workload) continue; // deleted meanwhile: nothing to move
        if (workload.spec?.template?.metadata?.annotations?.[this.#restartKey] === mark) continue;
        await this.#writer.annotateTemplate(kind, unit.namespace, unit.target.name, { [RESTARTED_AT]: new Date().toISOString(), [this.#restartKey]: mark });
      }
    }
    const deadline = Date.now() + this.#options.timeout * 1000;
    let pending = units;
    let reasons: string[] = [];
    for (;;) {
      const next: RolloutUnit[] = [];
      reasons = [];
      for (const unit of pending) {
        const state = await this.#check(unit);
        if (state.done) continue;
        next.push(unit);
        reasons.push(`${unit.namespace}/${unit.action === 'in-place' ? unit.pod : unit.workload} (${unit.action}): ${state.why}`);
        if (unit.action === 'in-place' && state.notMoved && Date.now() - (requested.get(unit) ?? 0) >= REQUEST_AGAIN_MS) {
          await this.#requestUpgrade(unit);
          requested.set(unit, Date.now());
        }
      }
      pending = next;
      if (pending.length === 0) return [];
      if (Date.now() >= deadline) return reasons;
      await new Promise((resolve) => setTimeout(resolve, this.#options.pollInterval));
    }
  }

  async #requestUpgrade(unit: Extract<RolloutUnit, { action: 'in-place' }>): Promise<void> {
    const release = this.#release(unit);
    // A new value every time, so the UPDATE is never a no-op the API server could skip.
    await this.#writer.annotatePod(unit.namespace, unit.pod, { [this.#requestKey]: `${release.version} ${new Date().toISOString()}` }).catch((error: unknown) => {
      if ((error as { cause?: { code?: unknown } }).cause?.code === 404) return undefined; // gone: counted as done by #check
      throw error;
    });
  }

  async #check(unit: RolloutUnit): Promise<{ done: boolean; why: string; notMoved?: boolean }> {
    const release = this.#release(unit);
    const sidecar = this.#config.template.sidecarName;
    if (unit.action === 'in-place') {
      const pod = await this.#writer.readPod(unit.namespace, unit.pod);
      if (!pod) return { done: true, why: 'gone' };
      const state = podRunsImage(pod, sidecar, release.image);
      return { ...state, notMoved: state.why.startsWith('sidecar specified as') };
    }
    const kind = unit.target.kind as RestartableKind;
    const workload = await this.#writer.readWorkload(kind, unit.namespace, unit.target.name);
    if (!workload) return { done: true, why: 'gone' };
    const rolled = workloadRolledOut(kind, workload);
    if (!rolled.done) return rolled;
    const pods = (await this.#writer.podsMatching(unit.namespace, workload.spec?.selector)).filter((pod) => {
      const owner = owningWorkload(pod);
      return !pod.metadata?.deletionTimestamp && owner?.kind === unit.target.kind && owner.name === unit.target.name;
    });
    for (const pod of pods) {
      const state = podRunsImage(pod, sidecar, release.image);
      if (!state.done) return { done: false, why: `pod ${pod.metadata?.name}: ${state.why}` };
    }
    return { done: true, why: 'rolled out' };
  }
}

function describeWave(wave: RolloutUnit[]): string {
  const inPlace = wave.filter((u) => u.action === 'in-place').length;
  const restarts = wave.filter((u) => u.action === 'restart');
  const parts = [];
  if (inPlace > 0) parts.push(`${inPlace} pods moved in place`);
  if (restarts.length > 0) parts.push(`${restarts.map((u) => `${u.namespace}/${u.workload}`).join(', ')} restarted`);
  return parts.join('; ');
}

export function renderPlan(plan: RolloutPlan): string {
  const rows = [['WAVE', 'COHORT', 'NAMESPACE', 'WORKLOAD', 'ACTION', 'PODS']];
  for (const [index, wave] of plan.waves.entries()) {
    for (const unit of wave) {
      rows.push([String(index + 1), unit.cohort ?? '-', unit.namespace, unit.workload, unit.action === 'in-place' ? `in place: ${unit.pod}` : 'restart', String(unitPods(unit))]);
    }
  }
  let text = plan.waves.length > 0 ? layout(rows) : 'Nothing to move: every selected pod is at its release.\n';
  if (plan.untouched.length > 0) {
    text += '\nLeft as they are:\n';
    for (const pod of plan.untouched) text += `  ${pod.namespace}/${pod.pod} (${pod.workload}): ${pod.reason}\n`;
  }
  return text;
}

function layout(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}
