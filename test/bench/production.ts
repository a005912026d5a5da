import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { functionEnvironment } from '../../infra/settings/function-environment.ts';
import { resolveSettings } from '../../infra/settings/resolve.ts';
import { BUNDLED_TEMPLATE_FILE, resolveSidecarTemplate } from '../../infra/settings/sidecar-template.ts';
import { applyPatch, podRequest } from '../support/injector.ts';
import { bundleHandler, localCertificate } from './cold-start.ts';
import { corpusPods, envHeavyPod, reviewBody, sizedPod, type BenchPod } from './pods.ts';
import { BENCH_DIR, REPO_ROOT } from './processes.ts';
import { startSsmEndpoint, SSM_PARAMETERS } from './ssm-endpoint.ts';
import { median, quantile as percentile } from './stats.ts';

/**
 * Part 1b: the admission cost on the production path (children/production-path.ts): the stack's
 * bundle, API Gateway REST events, the stack's function environment with INFO logs and EMF
 * metrics written to a sink, the release from SSM (a local endpoint, the stack's 30 s TTL).
 * Against the floor (JSON.parse of the event's body) and the core (the pure review) in the same
 * process, interleaved.
 */

export interface ProductionGroup {
  group: string;
  pods: number;
  bytes: number;
  floorMedianNs: number;
  coreMedianNs: number;
  handlerMedianNs: number;
  /** Median over the group's pods of handler median / floor median; and the 90th percentile of those per-pod ratios. */
  ratio: number;
  ratioP90: number;
  /** Median over the group's pods of (handler median - core median): what the Lambda shell adds per review. */
  overheadNs: number;
  handlerP99Ns: number;
}

export interface ProductionResults {
  groups: ProductionGroup[];
  environment: Record<string, string>;
}

interface ChildResult {
  group: string;
  name: string;
  bytes: number;
  floor: number[];
  core: number[];
  handler: number[];
}

/** The function environment of the default stack (cdk.json defaults), as the template carries it. */
export function productionEnvironment(bundleDir: string, ssmEndpoint: string): Record<string, string> {
  // verifyRelease off: the bench's image is fictional, with no registry to check it in. In
  // production the check adds one registry request to an environment's first SSM read only.
  const settings = resolveSettings({ versionParameterName: '/bench/sidecar-injector/version', imageParameterName: '/bench/sidecar-injector/image', verifyRelease: false });
  const resolved = resolveSidecarTemplate(settings);
  if ('problems' in resolved) throw new Error(resolved.problems.join('; '));
  writeFileSync(join(bundleDir, BUNDLED_TEMPLATE_FILE), JSON.stringify(resolved.template.fragment));
  return {
    ...functionEnvironment(settings, resolved.template.sidecarName, 'bench-path-token-0123456789'),
    // What Lambda sets, as far as the code reads it.
    LAMBDA_TASK_ROOT: bundleDir,
    AWS_LAMBDA_FUNCTION_NAME: 'sidecar-injector-bench',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
    TZ: ':UTC',
  };
}

export async function runProduction(options: { quick: boolean; profile?: boolean; log: (line: string) => void }): Promise<ProductionResults> {
  const dir = join(REPO_ROOT, '.cache', 'bench');
  const bundleDir = join(dir, 'bundle');
  mkdirSync(bundleDir, { recursive: true });
  const bundle = await bundleHandler(bundleDir);
  const tls = localCertificate(join(dir, 'ssm-tls'));
  const endpoint = await startSsmEndpoint(tls);
  const environment = productionEnvironment(bundleDir, endpoint.url);

  // The core's config in the parent, to build the re-review bodies (pods after our first patch).
  const settings = settingsFromEnv(environment);
  const release = { version: SSM_PARAMETERS['/bench/sidecar-injector/version'] as string, image: `${SSM_PARAMETERS['/bench/sidecar-injector/image']}:${SSM_PARAMETERS['/bench/sidecar-injector/version']}` };
  const config: InjectorConfig = { ...settings.injector, release };
  const injected = (pod: unknown): unknown => applyPatch(pod, decide(podRequest(pod), config).patch);

  const corpus = corpusPods();
  const cases: Array<{ group: string; name: string; body: string; rounds: number }> = [];
  const add = (group: string, pods: BenchPod[], rounds: number, transform: (p: unknown) => unknown = (p) => p) =>
    pods.forEach((p, i) => cases.push({ group, name: p.name, body: reviewBody(transform(p.pod), `${group}-${i}`).toString('utf8'), rounds }));
  if (corpus.length > 0) {
    add('corpus CREATE', corpus, options.quick ? 20 : 100);
    add('corpus re-review (injected, no-op)', corpus, options.quick ? 20 : 100, injected);
  }
  for (const pod of [sizedPod('sized-5k', 5 * 1024), sizedPod('sized-100k', 100 * 1024), sizedPod('sized-1.5m', 1.5 * 1024 * 1024), envHeavyPod()]) {
    const bytes = reviewBody(pod.pod, 'x').length;
    const rounds = Math.max(options.quick ? 10 : 25, Math.min(options.quick ? 200 : 1000, Math.round((options.quick ? 4e6 : 4e7) / bytes)));
    add(`${pod.name} CREATE`, [pod], rounds);
  }
  const casesFile = join(dir, 'production-cases.json');
  writeFileSync(casesFile, JSON.stringify(cases));

  try {
    const started = performance.now();
    const results = await new Promise<ChildResult[]>((resolve, reject) => {
      const profileArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, 'profiles')}`, '--cpu-prof-name=production-path.cpuprofile', '--cpu-prof-interval=50'] : [];
      const child = spawn(process.execPath, [...profileArgs, '--import', 'tsx', join(BENCH_DIR, 'children', 'production-path.ts'), bundle.file, casesFile], {
        cwd: bundleDir,
        env: {
          PATH: process.env.PATH,
          HOME: dir,
          AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
          AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
          ...(tls ? { NODE_EXTRA_CA_CERTS: tls.certFile } : {}),
          ...environment,
          BENCH_RELEASE_VERSION: release.version,
          BENCH_RELEASE_IMAGE: release.image,
          BENCH_PATH: '/mutate/bench-path-token-0123456789',
        },
        // stdout (the function's log and metrics lines) goes to /dev/null: the sink.
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let err = '';
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
      child.on('message', (m: { results: ChildResult[] }) => resolve(m.results));
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code !== 0) reject(new Error(`production-path child failed (${code}): ${err.slice(-3000)}`));
      });
    });
    options.log(`  production path: ${cases.length} bodies in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const groups: ProductionGroup[] = [];
    for (const group of [...new Set(results.map((r) => r.group))]) {
      const rs = results.filter((r) => r.group === group);
      const floors = rs.map((r) => median(r.floor));
      const cores = rs.map((r) => median(r.core));
      const handlers = rs.map((r) => median(r.handler));
      const ratios = rs.map((_, i) => (handlers[i] as number) / (floors[i] as number));
      groups.push({
        group,
        pods: rs.length,
        bytes: median(rs.map((r) => r.bytes)),
        floorMedianNs: median(floors),
        coreMedianNs: median(cores),
        handlerMedianNs: median(handlers),
        ratio: median(ratios),
        ratioP90: percentile(ratios, 0.9),
        overheadNs: median(rs.map((_, i) => (handlers[i] as number) - (cores[i] as number))),
        handlerP99Ns: percentile(rs.flatMap((r) => r.handler), 0.99),
      });
    }
    for (const g of groups) options.log(`    ${g.group}: ${(g.handlerMedianNs / 1000).toFixed(1)} us, ${g.ratio.toFixed(2)}x the floor (p90 ${g.ratioP90.toFixed(2)}x), +${(g.overheadNs / 1000).toFixed(1)} us over the core`);
    return { groups, environment };
  } finally {
    await endpoint.close();
  }
}
