import { admissionResponseJson, readAdmissionReview } from '../../functions/core/admission-review.ts';
import { decide, type Action } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import { staticReleaseSource } from '../../functions/shell/release-source.ts';
import { createReviewService, type ReviewService } from '../../functions/shell/review-service.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { yamlTemplateReader } from '../../functions/shell/yaml-template-reader.ts';
import { createTelemetry, type Telemetry } from '../../functions/shell/telemetry.ts';
import { applyPatch, podRequest } from '../support/injector.ts';
import { corpusMissing, corpusPods, envHeavyPod, reviewBody, sizedPod, type BenchPod } from './pods.ts';
import { REPO_ROOT } from './processes.ts';
import { median, p99 } from './stats.ts';

/** The template the admission cost is measured with: the README's log shipper. */
export const BENCH_TEMPLATE = `${REPO_ROOT}infra/templates/log-shipper.yaml`;

/**
 * Part 1: the cost of one admission review, against the floor of JSON.parse of the same body.
 *
 * Three things are timed on the same body, in rotating order, round after round, so that drift
 * (GC, frequency, a neighbour) falls on all three alike:
 * - floor:   JSON.parse(body.toString('utf8')), the least any webhook must do with the bytes;
 * - core:    the same, then readAdmissionReview, decide, admissionResponseJson;
 * - service: createReviewService(...).handle({ method, path, body }) with a static release source
 *            and the real Powertools telemetry (logger SILENT, metrics disabled), followed by
 *            telemetry.flush() as the local server does (the Lambda middleware publishes likewise).
 */

export interface CaseResult {
  name: string;
  bytes: number;
  floorNs: number[];
  coreNs: number[];
  serviceNs: number[];
  action: Action;
  patchOps: number;
}

export interface GroupSummary {
  group: string;
  pods: number;
  /** Median (over the group's pods) of the body size. */
  bytes: number;
  minBytes: number;
  maxBytes: number;
  floorMedianNs: number;
  coreMedianNs: number;
  serviceMedianNs: number;
  floorP99Ns: number;
  coreP99Ns: number;
  serviceP99Ns: number;
  /** Median over the group's pods of (pod's median / pod's floor median). */
  coreRatio: number;
  serviceRatio: number;
  /** Median over the group's pods of service median / body bytes. */
  serviceNsPerByte: number;
  floorNsPerByte: number;
  actions: Partial<Record<Action, number>>;
  /** Reviews that still produced a patch (only meaningful on the re-review of injected pods). */
  withPatch: number;
}

export interface AdmissionResults {
  groups: GroupSummary[];
  cases: Array<{ group: string; name: string; bytes: number; floorMedianNs: number; serviceMedianNs: number; coreMedianNs: number; action: Action }>;
  /** Service ns/byte at ~1.5 MB divided by ns/byte at ~5 KB (same pod shape): at most 1 means linear or better. */
  linearity: { smallBytes: number; largeBytes: number; smallNsPerByte: number; largeNsPerByte: number; ratio: number };
  serviceFlags: { POWERTOOLS_LOG_LEVEL: string; POWERTOOLS_METRICS_DISABLED: string };
  /** Whether the shared corpus was there; without it only the synthetic pods are measured. */
  corpus: boolean;
  corpusMissing?: string;
}

interface Prepared {
  group: string;
  name: string;
  body: Buffer;
  uid: string;
}

let sink = 0;

function floorOnce(body: Buffer): void {
  const parsed = JSON.parse(body.toString('utf8')) as { kind?: unknown };
  if (parsed.kind === 'x') sink++;
}

function coreOnce(body: Buffer, config: InjectorConfig): Action {
  const read = readAdmissionReview(JSON.parse(body.toString('utf8')));
  if ('error' in read) throw new Error(read.error);
  const decision = decide(read.request, config);
  sink += admissionResponseJson(read.request.uid, decision).length;
  return decision.action;
}

async function serviceOnce(service: ReviewService, telemetry: Telemetry, body: Buffer): Promise<void> {
  const answer = await service.handle({ method: 'POST', path: '/mutate', body });
  telemetry.flush();
  if (answer.statusCode !== 200) throw new Error(`review service answered ${answer.statusCode}: ${answer.body}`);
  sink += answer.body.length;
}

async function measure(cases: Prepared[], rounds: number, config: InjectorConfig, service: ReviewService, telemetry: Telemetry): Promise<CaseResult[]> {
  const results = cases.map((c) => ({ floorNs: [] as number[], coreNs: [] as number[], serviceNs: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i] as Prepared;
      const r = results[i] as (typeof results)[number];
      for (let k = 0; k < 3; k++) {
        const which = (round + i + k) % 3;
        const start = process.hrtime.bigint();
        if (which === 0) floorOnce(c.body);
        else if (which === 1) coreOnce(c.body, config);
        else await serviceOnce(service, telemetry, c.body);
        const ns = Number(process.hrtime.bigint() - start);
        (which === 0 ? r.floorNs : which === 1 ? r.coreNs : r.serviceNs).push(ns);
      }
    }
  }
  return cases.map((c, i) => {
    const read = readAdmissionReview(JSON.parse(c.body.toString('utf8')));
    if ('error' in read) throw new Error(read.error);
    const decision = decide(read.request, config);
    return { name: c.name, bytes: c.body.length, action: decision.action, patchOps: decision.patch.length, ...(results[i] as (typeof results)[number]) };
  });
}

function summarize(group: string, results: CaseResult[]): GroupSummary {
  const med = (pick: (r: CaseResult) => number[]) => results.map((r) => median(pick(r)));
  const floorMeds = med((r) => r.floorNs);
  const coreMeds = med((r) => r.coreNs);
  const serviceMeds = med((r) => r.serviceNs);
  const actions: Partial<Record<Action, number>> = {};
  for (const r of results) actions[r.action] = (actions[r.action] ?? 0) + 1;
  const bytes = results.map((r) => r.bytes);
  return {
    group,
    pods: results.length,
    bytes: median(bytes),
    minBytes: Math.min(...bytes),
    maxBytes: Math.max(...bytes),
    floorMedianNs: median(floorMeds),
    coreMedianNs: median(coreMeds),
    serviceMedianNs: median(serviceMeds),
    floorP99Ns: p99(results.flatMap((r) => r.floorNs)),
    coreP99Ns: p99(results.flatMap((r) => r.coreNs)),
    serviceP99Ns: p99(results.flatMap((r) => r.serviceNs)),
    coreRatio: median(results.map((_, i) => (coreMeds[i] as number) / (floorMeds[i] as number))),
    serviceRatio: median(results.map((_, i) => (serviceMeds[i] as number) / (floorMeds[i] as number))),
    serviceNsPerByte: median(results.map((r, i) => (serviceMeds[i] as number) / r.bytes)),
    floorNsPerByte: median(results.map((r, i) => (floorMeds[i] as number) / r.bytes)),
    actions,
    withPatch: results.filter((r) => r.patchOps > 0).length,
  };
}

/** The pod as it is after the API server applied our first answer. */
function injected(pod: unknown, config: InjectorConfig): unknown {
  return applyPatch(pod, decide(podRequest(pod), config).patch);
}

export async function runAdmission(options: { quick: boolean; log: (line: string) => void }): Promise<AdmissionResults> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // The richer template of the README (init container, volumes, env, probe), not the one-container default.
  const settings = settingsFromEnv({ SIDECAR_TEMPLATE_FILE: BENCH_TEMPLATE }, yamlTemplateReader);
  if (settings.release.source !== 'environment') throw new Error('expected the default (environment) release');
  const config: InjectorConfig = { ...settings.injector, release: settings.release.release };
  const telemetry = createTelemetry(process.env);
  const service = createReviewService({ settings, releaseSource: staticReleaseSource(settings.release.release), telemetry });

  const corpus = corpusPods();
  const toCases = (group: string, pods: BenchPod[], transform: (pod: unknown) => unknown = (p) => p): Prepared[] =>
    pods.map((p, i) => ({ group, name: p.name, uid: `${group}-${i}`, body: reviewBody(transform(p.pod), `${group}-${i}`) }));

  const small = sizedPod('sized-5k', 5 * 1024);
  const medium = sizedPod('sized-100k', 100 * 1024);
  const large = sizedPod('sized-1.5m', 1.5 * 1024 * 1024);
  const env = envHeavyPod();
  const synthetic = [small, medium, large, env];
  const plan: Array<{ group: string; cases: Prepared[]; rounds: number }> = [];
  if (corpus.length > 0) {
    plan.push(
      { group: 'corpus CREATE', cases: toCases('corpus CREATE', corpus), rounds: options.quick ? 30 : 150 },
      { group: 'corpus re-review (injected, no-op)', cases: toCases('corpus re-review', corpus, (p) => injected(p, config)), rounds: options.quick ? 30 : 150 },
    );
  } else {
    options.log(`  ${corpusMissing}: corpus rows skipped`);
  }
  for (const pod of synthetic) {
    const bytes = reviewBody(pod.pod, 'x').length;
    const rounds = Math.max(options.quick ? 10 : 25, Math.min(options.quick ? 200 : 1000, Math.round((options.quick ? 4e6 : 4e7) / bytes)));
    plan.push({ group: `${pod.name} CREATE`, cases: toCases(`${pod.name} CREATE`, [pod]), rounds });
    plan.push({ group: `${pod.name} re-review`, cases: toCases(`${pod.name} re-review`, [pod], (p) => injected(p, config)), rounds });
  }

  // Warm-up: every body through all three paths, so the JIT has seen each shape before timing.
  for (const entry of plan) await measure(entry.cases, Math.min(5, entry.rounds), config, service, telemetry);

  const groups: GroupSummary[] = [];
  const cases: AdmissionResults['cases'] = [];
  for (const entry of plan) {
    const started = performance.now();
    const results = await measure(entry.cases, entry.rounds, config, service, telemetry);
    const summary = summarize(entry.group, results);
    groups.push(summary);
    for (const r of results) {
      cases.push({
        group: entry.group,
        name: r.name,
        bytes: r.bytes,
        floorMedianNs: median(r.floorNs),
        coreMedianNs: median(r.coreNs),
        serviceMedianNs: median(r.serviceNs),
        action: r.action,
      });
    }
    options.log(`  ${entry.group}: ${entry.cases.length} pod(s) x ${entry.rounds} rounds in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  if (sink === -1) console.log(sink);

  const perByte = (group: string) => groups.find((g) => g.group === group) as GroupSummary;
  const s = perByte('sized-5k CREATE');
  const l = perByte('sized-1.5m CREATE');
  return {
    groups,
    cases,
    linearity: {
      smallBytes: s.bytes,
      largeBytes: l.bytes,
      smallNsPerByte: s.serviceNsPerByte,
      largeNsPerByte: l.serviceNsPerByte,
      ratio: l.serviceNsPerByte / s.serviceNsPerByte,
    },
    serviceFlags: { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    corpus: corpus.length > 0,
    ...(corpus.length > 0 ? {} : { corpusMissing }),
  };
}
