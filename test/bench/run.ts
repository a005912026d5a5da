import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, type } from 'node:os';
import { join } from 'node:path';
import { runAdmission } from './admission.ts';
import { runColdStart } from './cold-start.ts';
import { runFleet } from './fleet.ts';
import { runLoad } from './load.ts';
import { runCriticalPath } from './critical-path.ts';
import { runLambdaCold } from './lambda-cold.ts';
import { runProduction } from './production.ts';
import { BENCH_DIR, REPO_ROOT } from './processes.ts';
import { evaluateGoals, renderMarkdown, type BenchResults, type Machine } from './report.ts';

/**
 * `npm run bench`: every figure as a ratio against its floor measured in the same run, printed
 * and written to test/bench/results/latest.md and latest.json. Benchmarks are data, not tests:
 * nothing here fails on a missed goal (the exit code is non-zero only if a part could not run).
 *
 * Options: --quick (fewer rounds, for trying things out: results go to .cache/bench/results-quick.*),
 *          --profile (CPU profiles of the cold start under .cache/bench/profiles/),
 *          --only=admission,load,cold (a subset),
 *          --esm (bundle as ESM instead of the stack's CommonJS, to compare the two).
 */

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
// Not the stack's settings: for comparing with the ESM bundle the stack used before.
const esm = args.includes('--esm');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (part: string) => !only || only.includes(part);
const log = (line: string) => process.stderr.write(`${line}\n`);

function git(...gitArgs: string[]): string {
  try {
    return execFileSync('git', gitArgs, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

const started = performance.now();
const loadAverageStart = loadavg();
const results: Omit<BenchResults, 'goals'> = { machine: {} as Machine };

if (wanted('admission')) {
  log('1. admission cost per review (in process)');
  results.admission = await runAdmission({ quick, log });
}
if (wanted('production')) {
  log('1b. admission cost on the production path (bundle, API Gateway events, telemetry on, output to a sink)');
  results.production = await runProduction({ quick, profile, log });
}
if (wanted('load')) {
  log('2. local server vs bare server under load (child processes)');
  results.load = await runLoad({ quick, log });
}
if (wanted('cold')) {
  log('3-4. bundle, cold start, SSM calls (fresh processes)');
  results.coldStart = await runColdStart({ quick, profile, format: esm ? 'esm' : 'cjs', log });
}
if (wanted('fleet')) {
  log('5. fleet status over the real API server vs one paged LIST (fresh processes)');
  const fleet = await runFleet({ quick, log });
  if (fleet) results.fleet = fleet;
}

if (wanted('lambda-cold')) {
  log('3b. cold start through the Runtime Interface Emulator and aws-lambda-ric (fresh emulators)');
  results.lambdaCold = await runLambdaCold({ quick, log });
}

if (wanted('critical')) {
  log('5. the critical path: pod creations through a real kube-apiserver with and without the webhook (local server, Lambda path)');
  results.criticalPath = await runCriticalPath({ quick, log });
}

results.machine = {
  date: new Date().toISOString(),
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  node: process.version,
  os: `${type()} ${release()}`,
  loadAverageStart,
  loadAverageEnd: loadavg(),
  commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
  uncommittedInFunctions: git('status', '--porcelain', '--', 'functions') !== '',
  durationSeconds: (performance.now() - started) / 1000,
};
const full: BenchResults = { ...results, goals: evaluateGoals(results) };
const markdown = renderMarkdown(full);
process.stdout.write(`\n${markdown}\n`);

// Only a full run is published; trial runs go to the ignored cache.
const partial = quick || only !== undefined || esm;
const dir = partial ? join(REPO_ROOT, '.cache', 'bench') : join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
const name = partial ? 'results-quick' : 'latest';
writeFileSync(join(dir, `${name}.md`), `${markdown}\n`);
// Per-sample arrays stay out of the JSON: the per-pod medians are enough to recompute every figure.
writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(full, null, 2)}\n`);
log(`written: ${join(dir, `${name}.md`)} and ${name}.json`);
