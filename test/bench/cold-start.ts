import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { HANDLER_BUNDLE, handlerBuildOptions } from '../../infra/stack/handler-bundle.ts';
import { reviewBody } from './pods.ts';
import { BENCH_DIR, REPO_ROOT } from './processes.ts';
import { startSsmEndpoint, SSM_PARAMETERS } from './ssm-endpoint.ts';
import { median } from './stats.ts';

/**
 * Parts 3 and 4: the bundled Lambda. esbuild with the stack's own settings (HANDLER_BUNDLE in
 * infra/stack/handler-bundle.ts: CommonJS, minified, platform node, target node24, everything
 * bundled including the AWS SDK, main fields module then main, source maps external without sources),
 * then fresh Node processes that import it and answer one review, against fresh processes that
 * import an empty module. Then the SSM call count: concurrent bursts after a cold start, across
 * a TTL boundary, and within the TTL, counted at a local GetParameters endpoint.
 */

/** For the ESM comparison only (--esm): ESM bundles need a `require` for CommonJS dependencies. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __sidecarInjectorCreateRequire } from 'node:module';const require = __sidecarInjectorCreateRequire(import.meta.url);";

export interface ColdRun {
  /** ms since process start when the import began / ended / the first answer was ready. */
  importStart: number;
  importEnd: number;
  answered?: number;
  /** CPU time (user + system, all threads) the process had used at that point, ms. */
  cpuMs: number;
  /** ms from spawn to the driver's line, as the parent saw it. */
  wallMs: number;
}

export interface ColdVariant {
  name: string;
  runs: number;
  /** Medians, ms. */
  sinceProcessStartMs: number;
  importMs: number;
  firstAnswerMs: number;
  wallMs: number;
  cpuMs: number;
  status?: number;
  image?: string;
}

export interface ColdStartResults {
  bundle: { bytes: number; file: string; largestPackages: Array<{ name: string; bytes: number }> };
  variants: ColdVariant[];
  goalMs: number;
  /** Whether the local SSM endpoint spoke HTTPS (it does when openssl is there). */
  ssmEndpointTls: boolean;
  ssmCalls: {
    burstSize: number;
    ttlMs: number;
    afterColdStart: number;
    acrossTtl: number;
    withinTtl: number;
    answered: number;
    images: string[];
  };
  profiles?: string[];
}

function packageOf(path: string): string {
  const parts = path.split('node_modules/');
  if (parts.length < 2) return path.startsWith('functions/') ? 'functions/ (our code)' : path;
  const rest = (parts[parts.length - 1] as string).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] as string);
}

function largestPackages(metafile: Metafile, outfile: string): Array<{ name: string; bytes: number }> {
  const output = Object.entries(metafile.outputs).find(([name]) => name.endsWith(outfile.split('/').pop() as string) && !name.endsWith('.map'));
  const sizes = new Map<string, number>();
  for (const [path, info] of Object.entries(output?.[1].inputs ?? {})) sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + info.bytesInOutput);
  return [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, 8);
}

/**
 * The stack ships CommonJS (see infra/stack/handler-bundle.ts for why); `format: 'esm'` is
 * there to compare, with `npm run bench -- --only=cold --esm`.
 */
export async function bundleHandler(
  outdir: string,
  format: 'esm' | 'cjs' = HANDLER_BUNDLE.format,
  entry = join(REPO_ROOT, 'functions', 'mutate', 'handler.ts'),
): Promise<{ file: string; bytes: number; metafile: Metafile }> {
  const file = join(outdir, format === 'esm' ? 'index.mjs' : 'index.cjs');
  const result = await build({
    ...handlerBuildOptions(entry, file),
    format,
    ...(format === 'esm' ? { banner: { js: ESM_REQUIRE_BANNER } } : {}),
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  return { file, bytes: statSync(file).size, metafile: result.metafile };
}

/** A self-signed certificate for 127.0.0.1 (openssl), so the local SSM endpoint can speak HTTPS like SSM. */
export function localCertificate(dir: string): { cert: Buffer; key: Buffer; certFile: string } | undefined {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
    if (made.status !== 0) return undefined;
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile), certFile };
}

function runDriver(args: string[], env: NodeJS.ProcessEnv, extraNodeArgs: string[] = []): Promise<ColdRun & { status?: number; image?: string } & Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...extraNodeArgs, join(BENCH_DIR, 'cold-driver.mjs'), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`cold-start driver ${args[0]} failed (${code}): ${err.slice(-2000)} ${out.slice(-500)}`));
      resolve({ ...(JSON.parse(line) as ColdRun), wallMs: performance.now() - started });
    });
  });
}

export async function runColdStart(options: { quick: boolean; profile: boolean; format?: 'esm' | 'cjs'; log: (line: string) => void }): Promise<ColdStartResults> {
  const dir = join(REPO_ROOT, '.cache', 'bench');
  const bundleDir = join(dir, 'bundle');
  mkdirSync(bundleDir, { recursive: true });
  const bundle = await bundleHandler(bundleDir, options.format ?? HANDLER_BUNDLE.format);
  options.log(`  bundle: ${bundle.bytes} bytes at ${bundle.file}`);
  const emptyFile = join(dir, 'empty.mjs');
  writeFileSync(emptyFile, 'export {};\n');
  const bodyFile = join(dir, 'cold-body.json');
  writeFileSync(bodyFile, JSON.parse(JSON.stringify(reviewBody({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }, 'cold-uid').toString('utf8'))));

  const tls = localCertificate(join(dir, 'ssm-tls'));
  if (!tls) options.log('  openssl not found: the local SSM endpoint speaks plain HTTP (the SDK then takes a slightly different first-call path)');
  const endpoint = await startSsmEndpoint(tls);
  // A clean environment: no inherited AWS profile or config, silent logs, no metrics lines on stdout.
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
  };
  const ssmEnv = (ttlSeconds: number): NodeJS.ProcessEnv => ({
    ...base,
    SSM_VERSION_PARAMETER: '/bench/sidecar-injector/version',
    SSM_IMAGE_PARAMETER: '/bench/sidecar-injector/image',
    SSM_CACHE_TTL_SECONDS: String(ttlSeconds),
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_SSM: endpoint.url,
    AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCHBENCH0',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-not-real',
    ...(tls ? { NODE_EXTRA_CA_CERTS: tls.certFile } : {}),
  });
  // What the SSM read costs by itself, with the same esbuild settings: the SDK's client as the
  // webhook uses it, and a prototype that signs the same request without the SDK's client.
  const sdkOnly = await bundleHandler(join(dir, 'bundle-sdk-only'), HANDLER_BUNDLE.format, join(BENCH_DIR, 'entries', 'sdk-get-parameters.ts'));
  const signedOnly = await bundleHandler(join(dir, 'bundle-signed-only'), HANDLER_BUNDLE.format, join(BENCH_DIR, 'entries', 'signed-get-parameters.ts'));
  const variants = [
    { name: 'empty module (floor)', args: ['empty', emptyFile], env: base },
    { name: 'bundle, release from env', args: ['handler', bundle.file, bodyFile], env: base },
    { name: 'bundle, release from SSM (local endpoint)', args: ['handler', bundle.file, bodyFile], env: ssmEnv(30) },
    { name: `only the SDK's GetParameters (${(sdkOnly.bytes / 1024).toFixed(0)} KB)`, args: ['handler', sdkOnly.file, bodyFile], env: ssmEnv(30) },
    { name: `only a signed GetParameters, no SDK client (prototype, ${(signedOnly.bytes / 1024).toFixed(0)} KB)`, args: ['handler', signedOnly.file, bodyFile], env: ssmEnv(30) },
  ];
  const runs = options.quick ? 5 : 15;
  const samples = variants.map(() => [] as Array<ColdRun & { status?: number; image?: string }>);
  try {
    // One unmeasured run of each, so the OS file cache holds node, the bundle and the module.
    for (const v of variants) await runDriver(v.args, v.env);
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(i + k) % variants.length] as (typeof variants)[number];
        (samples[(i + k) % variants.length] as ColdRun[]).push(await runDriver(v.args, v.env));
      }
    }
    const profiles: string[] = [];
    if (options.profile) {
      const profileDir = join(REPO_ROOT, '.cache', 'bench', 'profiles');
      mkdirSync(profileDir, { recursive: true });
      for (const [tag, v] of [['cold-env', variants[1]], ['cold-ssm', variants[2]]] as const) {
        await runDriver(v!.args, v!.env, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${tag}.cpuprofile`, '--cpu-prof-interval=100']);
        profiles.push(join(profileDir, `${tag}.cpuprofile`));
      }
    }

    const result: ColdVariant[] = variants.map((v, i) => {
      const s = samples[i] as Array<ColdRun & { status?: number; image?: string }>;
      const end = (r: ColdRun) => r.answered ?? r.importEnd;
      return {
        name: v.name,
        runs: s.length,
        sinceProcessStartMs: median(s.map(end)),
        importMs: median(s.map((r) => r.importEnd - r.importStart)),
        firstAnswerMs: median(s.map((r) => (r.answered === undefined ? 0 : r.answered - r.importEnd))),
        wallMs: median(s.map((r) => r.wallMs)),
        cpuMs: median(s.map((r) => r.cpuMs)),
        ...(s[0]?.status !== undefined ? { status: s[0].status } : {}),
        ...(s[0]?.image !== undefined ? { image: s[0].image } : {}),
      };
    });
    options.log(`  cold start: ${result.map((v) => `${v.name} ${v.sinceProcessStartMs.toFixed(1)} ms`).join('; ')}`);

    // Part 4: SSM calls under concurrency, after a cold start and across a TTL boundary.
    const burstSize = 50;
    const ttlMs = 1000;
    endpoint.reset();
    const burst = (await runDriver(['burst', bundle.file, bodyFile, String(burstSize), String(ttlMs)], ssmEnv(ttlMs / 1000))) as unknown as {
      first: { ok: number; images: string[] };
      second: { ok: number; images: string[] };
      third: { ok: number; images: string[] };
      afterColdStart: number;
      afterTtl: number;
      withinTtl: number;
    };
    options.log(`  SSM calls: ${burst.afterColdStart} after a cold burst of ${burstSize}, ${burst.afterTtl - burst.afterColdStart} across the TTL, ${burst.withinTtl - burst.afterTtl} within it`);
    const floor = result[0] as ColdVariant;
    return {
      bundle: { bytes: bundle.bytes, file: bundle.file, largestPackages: largestPackages(bundle.metafile, bundle.file) },
      variants: result,
      goalMs: 2 * floor.sinceProcessStartMs + 50,
      ssmEndpointTls: tls !== undefined,
      ssmCalls: {
        burstSize,
        ttlMs,
        afterColdStart: burst.afterColdStart,
        acrossTtl: burst.afterTtl - burst.afterColdStart,
        withinTtl: burst.withinTtl - burst.afterTtl,
        answered: burst.first.ok + burst.second.ok + burst.third.ok,
        images: [...new Set([...burst.first.images, ...burst.second.images, ...burst.third.images])],
      },
      ...(profiles.length > 0 ? { profiles } : {}),
    };
  } finally {
    await endpoint.close();
  }
  void SSM_PARAMETERS;
}
