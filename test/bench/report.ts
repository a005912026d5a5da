import type { AdmissionResults } from './admission.ts';
import type { ProductionResults } from './production.ts';
import type { LambdaColdResults } from './lambda-cold.ts';
import type { CriticalPathResults } from './critical-path.ts';
import type { ColdStartResults } from './cold-start.ts';
import type { FleetResults } from './fleet.ts';
import type { LoadResults } from './load.ts';
import { formatBytes, formatMs, formatNs, ratio } from './stats.ts';

/** The published figures: one markdown document, printed to the terminal and written to results/latest.md. */

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  node: string;
  os: string;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  commit: string;
  uncommittedInFunctions: boolean;
  durationSeconds: number;
}

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchResults {
  machine: Machine;
  admission?: AdmissionResults;
  production?: ProductionResults;
  lambdaCold?: LambdaColdResults;
  criticalPath?: CriticalPathResults;
  load?: LoadResults;
  coldStart?: ColdStartResults;
  fleet?: FleetResults;
  goals: Goal[];
}

export const LARGE_GROUPS = ['sized-100k CREATE', 'sized-100k re-review', 'sized-1.5m CREATE', 'sized-1.5m re-review', 'env-1500 CREATE', 'env-1500 re-review'];
const GOAL_GROUPS = ['corpus CREATE', 'corpus re-review (injected, no-op)', ...LARGE_GROUPS];
export const BUNDLE_LIMIT_BYTES = 700 * 1000;

export function evaluateGoals(results: Omit<BenchResults, 'goals'>): Goal[] {
  const goals: Goal[] = [];
  const { admission, load, coldStart, fleet } = results;
  if (fleet) {
    goals.push({
      goal: `fleet status, ${fleet.pods} pods in ${fleet.namespaces} namespaces`,
      target: '<= 1.50x one paged LIST (time)',
      measured: `${fleet.timeRatio.toFixed(2)}x (${(fleet.status.ms / 1000).toFixed(2)} s vs ${(fleet.floor.ms / 1000).toFixed(2)} s)`,
      met: fleet.timeRatio <= 1.5,
    });
  }
  if (admission) {
    for (const group of GOAL_GROUPS) {
      const g = admission.groups.find((x) => x.group === group);
      if (!g) continue;
      goals.push({ goal: `admission cost, ${group}`, target: '<= 1.50x JSON.parse (median)', measured: `${g.serviceRatio.toFixed(2)}x`, met: g.serviceRatio <= 1.5 });
    }
    const l = admission.linearity;
    goals.push({
      goal: 'linear in pod size',
      target: `ns/byte at ${formatBytes(l.largeBytes)} <= at ${formatBytes(l.smallBytes)}`,
      measured: `${l.largeNsPerByte.toFixed(2)} vs ${l.smallNsPerByte.toFixed(2)} ns/B (${l.ratio.toFixed(2)}x)`,
      met: l.ratio <= 1,
    });
  }
  if (load) {
    goals.push({ goal: 'local server throughput', target: '>= 0.80x bare server req/s', measured: `${load.ratio.toFixed(2)}x`, met: load.ratio >= 0.8 });
    if (load.cpuRatio !== undefined) {
      goals.push({
        goal: 'local server throughput, from server CPU per request',
        target: '>= 0.80x bare (bare CPU/request over local CPU/request)',
        measured: `${load.cpuRatio.toFixed(2)}x`,
        met: load.cpuRatio >= 0.8,
      });
    }
  }
  const { production, lambdaCold } = results;
  if (production) {
    const large = production.groups.find((g) => g.group === 'sized-1.5m CREATE');
    if (large) goals.push({ goal: 'production path, 1.5 MB pod', target: '<= 1.50x JSON.parse (median)', measured: `${large.ratio.toFixed(2)}x`, met: large.ratio <= 1.5 });
    for (const group of ['corpus CREATE', 'corpus re-review (injected, no-op)']) {
      const g = production.groups.find((x) => x.group === group);
      if (g) goals.push({ goal: `production path, fixed cost above the core, ${group}`, target: '<= 10 µs (median over pods)', measured: formatNs(g.overheadNs), met: g.overheadNs <= 10_000 });
    }
  }
  if (lambdaCold && lambdaCold.variants.length > 0) {
    const floor = lambdaCold.variants[0]!;
    for (const v of lambdaCold.variants.slice(1).filter((x) => x.name.startsWith('bundle') && x.name.includes('SSM'))) {
      goals.push({ goal: `cold start through the runtime client, ${v.name}`, target: `<= floor ${formatMs(floor.firstAnswerMs)} + 60 ms`, measured: `${formatMs(v.firstAnswerMs)} (+${formatMs(v.firstAnswerMs - floor.firstAnswerMs)})`, met: v.firstAnswerMs <= floor.firstAnswerMs + 60 });
    }
  }
  if (coldStart) {
    goals.push({ goal: 'bundle size (SDK included, minified)', target: `<= ${BUNDLE_LIMIT_BYTES / 1000} KB`, measured: `${(coldStart.bundle.bytes / 1000).toFixed(1)} KB`, met: coldStart.bundle.bytes <= BUNDLE_LIMIT_BYTES });
    const floor = coldStart.variants[0];
    for (const v of coldStart.variants.slice(1).filter((x) => x.name.startsWith('bundle'))) {
      goals.push({
        goal: `cold import + first answer, ${v.name}`,
        target: `<= 2 x ${formatMs(floor?.sinceProcessStartMs ?? Number.NaN)} + 50 ms = ${formatMs(coldStart.goalMs)}`,
        measured: formatMs(v.sinceProcessStartMs),
        met: v.sinceProcessStartMs <= coldStart.goalMs,
      });
    }
    const s = coldStart.ssmCalls;
    goals.push({
      goal: 'one SSM call per TTL per container',
      target: '1 after cold start, 1 across the TTL, 0 within it',
      measured: `${s.afterColdStart}, ${s.acrossTtl}, ${s.withinTtl} (bursts of ${s.burstSize})`,
      met: s.afterColdStart === 1 && s.acrossTtl === 1 && s.withinTtl === 0 && s.answered === 3 * s.burstSize,
    });
  }
  return goals;
}

function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

export function renderMarkdown(results: BenchResults): string {
  const { machine: m, admission, load, coldStart } = results;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(
    `${m.date} on ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ${m.os}; commit ${m.commit}${m.uncommittedInFunctions ? ' (with uncommitted changes in functions/)' : ''}. ` +
      `Load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} at start, ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')} at end; run took ${m.durationSeconds.toFixed(0)} s.`,
    '',
    'Reproduce: `npm run bench` (options: `-- --quick` for a short run, `-- --profile` to write CPU profiles of the cold start under `.cache/bench/profiles/`). ' +
      'Absolute times drift on a shared machine; the ratios are against a floor measured in the same run. ' +
      'Method, and the causes of missed goals with the proposed fixes: [test/bench/README.md](../README.md).',
    '',
  );
  if (admission && !admission.corpus) {
    out.push(`**The shared corpus was not found** (${admission.corpusMissing}): the corpus rows are missing and the load test used a synthetic pod.`, '');
  }
  out.push('## Goals', '');
  out.push(table(['Goal', 'Target', 'Measured', 'Met'], results.goals.map((g) => [g.goal, g.target, g.measured, g.met ? 'yes' : '**no**'])), '');

  if (admission) {
    out.push('## 1. Admission cost per review', '');
    out.push(
      'Floor: `JSON.parse(body.toString("utf8"))` of the same request body. Service: `createReviewService` with a static release source and the real Powertools telemetry ' +
        `(POWERTOOLS_LOG_LEVEL=${admission.serviceFlags.POWERTOOLS_LOG_LEVEL}, POWERTOOLS_METRICS_DISABLED=${admission.serviceFlags.POWERTOOLS_METRICS_DISABLED}), then ` +
        '`telemetry.flush()` as after every request: parse, decide, patch, encode, serialize. Core: parse, `readAdmissionReview`, `decide`, `admissionResponseJson`, no shell. ' +
        'Medians are the median over the group\'s pods of each pod\'s median; ratios are the median of the per-pod ratios; p99 is over every timed review of the group.',
      '',
    );
    out.push(
      table(
        ['Case', 'Pods', 'Body (median)', 'Floor median', 'Service median', 'Service p99', 'Service / floor', 'Core median', 'Core / floor', 'Service ns/B', 'Actions'],
        admission.groups.map((g) => [
          g.group,
          String(g.pods),
          g.pods > 1 ? `${formatBytes(g.bytes)} (${formatBytes(g.minBytes)}-${formatBytes(g.maxBytes)})` : formatBytes(g.bytes),
          formatNs(g.floorMedianNs),
          formatNs(g.serviceMedianNs),
          formatNs(g.serviceP99Ns),
          `${g.serviceRatio.toFixed(2)}x`,
          formatNs(g.coreMedianNs),
          `${g.coreRatio.toFixed(2)}x`,
          g.serviceNsPerByte.toFixed(2),
          Object.entries(g.actions)
            .map(([a, n]) => `${a} ${n}`)
            .join(', ') + (g.group.includes('re-review') && g.withPatch > 0 ? `; **${g.withPatch} still patched**` : ''),
        ]),
      ),
      '',
    );
    const l = admission.linearity;
    out.push(
      `Linearity (same pod shape, containers with 40 env vars each): ${l.smallNsPerByte.toFixed(2)} ns/byte at ${formatBytes(l.smallBytes)}, ${l.largeNsPerByte.toFixed(2)} ns/byte at ${formatBytes(l.largeBytes)} (${l.ratio.toFixed(2)}x).`,
      '',
    );
  }

  if (load) {
    out.push('## 2. Local server under load', '');
    out.push(
      `autocannon, loopback, ${load.connections} connections, ${load.amount} requests per round, body ${load.body.pod} as a CREATE (${formatBytes(load.body.bytes)}${load.body.pod.startsWith('synthetic') ? '' : ', the corpus median'}). ` +
        `Arrangement: ${load.arrangement}. Figures are medians over the rounds. ` +
        'The local server runs the same runtime as the Lambda (logger SILENT, metrics disabled); the bare server only reads the body, JSON.parses it and answers a fixed AdmissionReview. ' +
        'Server CPU per request is the server process\'s user + system time over the round (from /proc, read from outside), divided by the requests: unlike req/s it barely moves when other work shares the machine.',
      '',
    );
    out.push(
      table(
        ['Server', 'Answer', 'Rounds', 'Requests/s', 'p50 latency', 'p99 latency', 'Server CPU per request', 'Ratio to bare (req/s)', 'Ratio to bare (CPU)'],
        (['bare', 'bareSized', 'local'] as const).map((s) => [
          s === 'bare' ? 'bare Node HTTP (floor)' : s === 'bareSized' ? 'bare Node HTTP, answering our real answer' : 'local server (startServer)',
          formatBytes(s === 'bare' ? load.answerBytes.bare : load.answerBytes.local),
          String(load.rounds.filter((r) => r.server === s).length),
          load[s].requestsPerSecond.toFixed(0),
          `${load[s].latencyP50} ms`,
          `${load[s].latencyP99} ms`,
          load[s].serverCpuUsPerRequest === undefined ? 'n/a' : `${load[s].serverCpuUsPerRequest?.toFixed(0)} µs`,
          s === 'bare' ? '1.00x' : s === 'bareSized' ? ratio(load.bareSized.requestsPerSecond, load.bare.requestsPerSecond) : `${load.ratio.toFixed(2)}x`,
          s === 'bare'
            ? '1.00x'
            : s === 'bareSized'
              ? ratio(load.bare.serverCpuUsPerRequest ?? Number.NaN, load.bareSized.serverCpuUsPerRequest ?? Number.NaN)
              : load.cpuRatio === undefined
                ? 'n/a'
                : `${load.cpuRatio.toFixed(2)}x`,
        ]),
      ),
      '',
    );
    out.push(
      `Against the bare server sending the same ${formatBytes(load.answerBytes.local)} answer: ${load.sizedRatio.toFixed(2)}x in req/s` +
        (load.sizedCpuRatio === undefined ? '.' : `, ${load.sizedCpuRatio.toFixed(2)}x in CPU per request.`),
      '',
    );
    const errors = load.rounds.reduce((n, r) => n + r.errors + r.timeouts + r.non2xx, 0);
    out.push(
      `Rounds (req/s, server CPU µs/request): ${load.rounds.map((r) => `${r.server} ${r.requestsPerSecond.toFixed(0)}${r.serverCpuUsPerRequest === undefined ? '' : ` (${r.serverCpuUsPerRequest.toFixed(0)})`}`).join(', ')}; errors, timeouts and non-2xx: ${errors}.`,
      '',
    );
  }

  if (coldStart) {
    out.push('## 3. Cold start of the bundled Lambda', '');
    out.push(
      `esbuild with the stack's settings (CommonJS, minified, platform node, target node24, AWS SDK bundled, external source map): **${(coldStart.bundle.bytes / 1000).toFixed(1)} KB**. ` +
        `Largest parts: ${coldStart.bundle.largestPackages.map((p) => `${p.name} ${(p.bytes / 1000).toFixed(1)} KB`).join(', ')}.`,
      '',
      'Fresh Node process per run (no CPU pinning); times are medians of `performance.now()` in the process, i.e. since the process started, so Node\'s own start is in the floor too; CPU is the process\'s user + system time (all threads) at the same point, steadier than wall time on a busy machine. ' +
        `The SSM variant reads the release from a local GetParameters endpoint through the real SDK client (AWS_ENDPOINT_URL_SSM, dummy credentials), over ${coldStart.ssmEndpointTls ? 'HTTPS with a self-signed certificate given to the child as NODE_EXTRA_CA_CERTS, as the real SSM endpoint is HTTPS' : 'plain HTTP (openssl was not found)'}.`,
      '',
    );
    out.push(
      table(
        ['Variant', 'Runs', 'Process start to answer', 'Import', 'First answer', 'Spawn to answer (wall)', 'CPU used by then', 'Ratio to floor'],
        coldStart.variants.map((v, i) => [
          v.name,
          String(v.runs),
          formatMs(v.sinceProcessStartMs),
          formatMs(v.importMs),
          i === 0 ? '-' : formatMs(v.firstAnswerMs),
          formatMs(v.wallMs),
          formatMs(v.cpuMs),
          ratio(v.sinceProcessStartMs, coldStart.variants[0]?.sinceProcessStartMs ?? Number.NaN),
        ]),
      ),
      '',
    );
    const s = coldStart.ssmCalls;
    out.push('## 4. SSM calls per TTL', '');
    out.push(
      table(
        ['Phase (bundle, fresh process, TTL ' + s.ttlMs / 1000 + ' s)', 'Concurrent reviews', 'GetParameters calls'],
        [
          ['right after the cold start', String(s.burstSize), String(s.afterColdStart)],
          ['after the TTL has passed', String(s.burstSize), String(s.acrossTtl)],
          ['again, within the TTL', String(s.burstSize), String(s.withinTtl)],
        ],
      ),
      '',
      `${s.answered} of ${3 * s.burstSize} reviews answered 200; injected image(s): ${s.images.join(', ')}.`,
      '',
    );
  }
  if (results.fleet) {
    const f = results.fleet;
    out.push('## 5. Fleet status over the real API server', '');
    out.push(
      `${f.pods} pods in ${f.namespaces} namespaces (created in ${f.setupSeconds.toFixed(0)} s), pages of ${f.pageSize}, median of ${f.rounds} rounds, each in a fresh process. ` +
        'Floor: one paged LIST of every pod with @kubernetes/client-node; status: the same listing plus the webhook-core classification of every pod (all outdated: the costliest path).',
      '',
      '| | floor (paged LIST) | status | ratio |',
      '| --- | --- | --- | --- |',
      `| time | ${formatMs(f.floor.ms)} | ${formatMs(f.status.ms)} | ${f.timeRatio.toFixed(2)}x |`,
      `| peak RSS | ${f.floor.maxRssMb.toFixed(0)} MB | ${f.status.maxRssMb.toFixed(0)} MB | ${f.memoryRatio.toFixed(2)}x |`,
      `| API requests | ${f.floor.requests} | ${f.status.requests} | |`,
      '',
    );
  }
  const { production, lambdaCold, criticalPath } = results;
  if (production) {
    out.push('## 1b. Admission cost on the production path', '');
    out.push(
      'The stack\'s bundle called with API Gateway REST events and a Lambda context, in a process with the stack\'s function environment (INFO logs, EMF metrics on, written to /dev/null; the release from SSM through the SDK, 30 s TTL), against JSON.parse of the event\'s body (floor) and the pure review (core) in the same process, interleaved.',
      '',
      table(
        ['Group', 'Pods', 'Body', 'Floor', 'Core', 'Handler', 'Handler / floor (p90 over pods)', 'Above the core', 'Handler p99'],
        production.groups.map((g) => [g.group, String(g.pods), formatBytes(g.bytes), formatNs(g.floorMedianNs), formatNs(g.coreMedianNs), formatNs(g.handlerMedianNs), `${g.ratio.toFixed(2)}x (${g.ratioP90.toFixed(2)}x)`, formatNs(g.overheadNs), formatNs(g.handlerP99Ns)]),
      ),
      '',
    );
  }
  if (lambdaCold) {
    out.push('## 3b. Cold start through the Runtime Interface Emulator and aws-lambda-ric', '');
    if (lambdaCold.skipped) out.push(`Skipped: ${lambdaCold.skipped}`, '');
    else {
      const floor = lambdaCold.variants[0]!;
      out.push(
        'Spawn of the emulator to the first answer received (Node 24, the runtime client, the module\'s init, the SSM read from a local HTTPS endpoint, the review), medians.',
        '',
        table(['Variant', 'Runs', 'First answer', 'Above the floor'], lambdaCold.variants.map((v) => [v.name, String(v.runs), formatMs(v.firstAnswerMs), v === floor ? '' : `+${formatMs(v.firstAnswerMs - floor.firstAnswerMs)}`])),
        '',
      );
    }
  }
  if (criticalPath) {
    out.push('## 5. The critical path: pod creations through a real kube-apiserver', '');
    if (criticalPath.skipped) out.push(`Skipped: ${criticalPath.skipped}`, '');
    else {
      out.push(
        'One pod at a time, alternating between a namespace with the webhook registered and one without; the API server\'s own histogram (`apiserver_admission_webhook_admission_duration_seconds`, buckets 5, 25, 100, 500 ms...) for the webhook. Each pod is one call plus the reinvocation the ServiceAccount plugin causes.',
        '',
        table(
          ['Path', 'Pods per arm', 'Create p50 without / with', 'Create p99 without / with', 'Ratio p50 / p99', 'Webhook calls', 'Webhook mean (API server)', 'p50 / p99 bucket'],
          criticalPath.arms.map((a) => [a.path, String(a.pods), `${formatMs(a.withoutP50Ms)} / ${formatMs(a.withP50Ms)}`, `${formatMs(a.withoutP99Ms)} / ${formatMs(a.withP99Ms)}`, `${a.ratioP50.toFixed(2)}x / ${a.ratioP99.toFixed(2)}x`, String(a.webhookCalls), formatMs(a.webhookMeanMs), `<= ${a.webhookP50BucketMs} ms / <= ${a.webhookP99BucketMs} ms`]),
        ),
        '',
      );
    }
  }
  return out.join('\n');
}
