import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingParts } from '../e2e/harness/parts.ts';
import { binaries, lambdaRiePath } from '../e2e/harness/paths.ts';
import { restEvent } from '../support/lambda-events.ts';
import { HANDLER_BUNDLE } from '../../infra/stack/handler-bundle.ts';
import { bundleHandler, localCertificate } from './cold-start.ts';
import { reviewBody } from './pods.ts';
import { productionEnvironment } from './production.ts';
import { BENCH_DIR, REPO_ROOT } from './processes.ts';
import { startSsmEndpoint } from './ssm-endpoint.ts';
import { median } from './stats.ts';

/**
 * Part 3b: cold start through the real Lambda runtime pieces: the Runtime Interface Emulator
 * (aws-sam-cli's) starting Node 24 with the Node runtime interface client (aws-lambda-ric), as
 * the end-to-end suite's Lambda path does. Time from spawning the emulator to the first answer
 * received (the emulator starts the runtime on the first invocation, so this is process start,
 * the runtime client, the module's init, the SSM read and the review), against the same for an
 * empty handler (the floor). The emulator reports no usable init duration, so it is measured
 * from outside. Variants: the stack's configuration (release from SSM, `--enable-source-maps`), the
 * same without source maps, and the release from the environment (no source maps).
 */

export interface LambdaColdVariant {
  name: string;
  runs: number;
  /** Median ms from spawning the emulator to the first answer. */
  firstAnswerMs: number;
  status: number;
}

export interface LambdaColdResults {
  variants: LambdaColdVariant[];
  skipped?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function post(port: number, body: string): Promise<{ status: number; text: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/2015-03-31/functions/function/invocations', method: 'POST', timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // Not listening yet: the caller tries again.
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end(body);
  });
}

/** One cold start: spawn the emulator with its runtime in `taskRoot`, invoke until answered, stop it. */
async function coldOnce(taskRoot: string, env: Record<string, string>, event: string): Promise<{ ms: number; status: number }> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    lambdaRiePath(),
    ['--log-level', 'error', '--runtime-interface-emulator-address', `127.0.0.1:${port}`, '--runtime-api-address', `127.0.0.1:${apiPort}`, binaries.node24, binaries.lambdaRic, 'index.handler'],
    { cwd: taskRoot, env: { ...env, _HANDLER: 'index.handler', LAMBDA_TASK_ROOT: taskRoot }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  try {
    for (;;) {
      const answer = await post(port, event);
      if (answer) {
        const result = JSON.parse(answer.text) as { statusCode?: number };
        return { ms: performance.now() - started, status: result.statusCode ?? answer.status };
      }
      if (child.exitCode !== null) throw new Error(`the emulator exited (${child.exitCode}): ${err.slice(-2000)}`);
      if (performance.now() - started > 30_000) throw new Error(`no answer within 30 s: ${err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

export async function runLambdaCold(options: { quick: boolean; log: (line: string) => void }): Promise<LambdaColdResults> {
  const missing = missingParts(['lambda']);
  if (missing.length > 0) {
    const skipped = `missing ${missing.join(', ')}: run npm run e2e:setup`;
    options.log(`  skipped: ${skipped}`);
    return { variants: [], skipped };
  }
  const dir = join(REPO_ROOT, '.cache', 'bench');
  const bundleDir = join(dir, 'bundle');
  mkdirSync(bundleDir, { recursive: true });
  const bundle = await bundleHandler(bundleDir);
  const tls = localCertificate(join(dir, 'ssm-tls'));
  const endpoint = await startSsmEndpoint(tls);
  const roots: string[] = [];
  try {
    // Task roots outside any package.json, as Lambda unpacks the zip into /var/task.
    const functionRoot = mkdtempSync(join(tmpdir(), 'bench-lambda-task-'));
    const emptyRoot = mkdtempSync(join(tmpdir(), 'bench-lambda-empty-'));
    // What the SSM read costs by itself under the same runtime: the SDK's client alone, and a
    // prototype signing the same request without it (test/bench/entries/).
    const sdkRoot = mkdtempSync(join(tmpdir(), 'bench-lambda-sdk-'));
    const signedRoot = mkdtempSync(join(tmpdir(), 'bench-lambda-signed-'));
    roots.push(functionRoot, emptyRoot, sdkRoot, signedRoot);
    const sdkOnly = await bundleHandler(join(dir, 'bundle-sdk-only'), HANDLER_BUNDLE.format, join(BENCH_DIR, 'entries', 'sdk-get-parameters.ts'));
    const signedOnly = await bundleHandler(join(dir, 'bundle-signed-only'), HANDLER_BUNDLE.format, join(BENCH_DIR, 'entries', 'signed-get-parameters.ts'));
    copyFileSync(sdkOnly.file, join(sdkRoot, 'index.js'));
    copyFileSync(signedOnly.file, join(signedRoot, 'index.js'));
    const production = productionEnvironment(functionRoot, endpoint.url);
    copyFileSync(bundle.file, join(functionRoot, 'index.js'));
    copyFileSync(`${bundle.file}.map`, join(functionRoot, 'index.js.map'));
    writeFileSync(join(emptyRoot, 'index.js'), "exports.handler = async () => ({ statusCode: 200, body: '{}' });\n");

    const lambdaEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      ...(tls ? { NODE_EXTRA_CA_CERTS: tls.certFile } : {}),
      ...production,
    };
    const withoutSsm = Object.fromEntries(Object.entries(lambdaEnv).filter(([k]) => k !== 'SSM_VERSION_PARAMETER' && k !== 'SSM_IMAGE_PARAMETER'));
    const variants = [
      { name: 'empty handler (floor)', root: emptyRoot, env: lambdaEnv },
      { name: 'bundle, release from SSM, --enable-source-maps (the stack)', root: functionRoot, env: { ...lambdaEnv, NODE_OPTIONS: '--enable-source-maps' } },
      { name: 'bundle, release from SSM, no source maps', root: functionRoot, env: lambdaEnv },
      { name: 'bundle, release from the environment', root: functionRoot, env: { ...withoutSsm, SIDECAR_VERSION: '1.3.0', SIDECAR_IMAGE: 'my-org/my-sidecar' } },
      { name: "only the SDK's GetParameters, nothing else", root: sdkRoot, env: lambdaEnv },
      { name: 'only a signed GetParameters without the SDK client (prototype, not shipped)', root: signedRoot, env: lambdaEnv },
    ];
    const event = JSON.stringify(restEvent({ body: reviewBody({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }, 'cold').toString('utf8'), path: '/mutate/bench-path-token-0123456789' }));
    const runs = options.quick ? 3 : 9;
    const samples = variants.map(() => [] as Array<{ ms: number; status: number }>);
    for (const v of variants) await coldOnce(v.root, v.env, event); // file cache warm
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < variants.length; k++) {
        const index = (i + k) % variants.length;
        const v = variants[index]!;
        samples[index]!.push(await coldOnce(v.root, v.env, event));
      }
    }
    const result = variants.map((v, i) => ({ name: v.name, runs, firstAnswerMs: median(samples[i]!.map((s) => s.ms)), status: samples[i]![0]!.status }));
    for (const v of result) options.log(`    ${v.name}: ${v.firstAnswerMs.toFixed(1)} ms (status ${v.status})`);
    return { variants: result };
  } finally {
    await endpoint.close();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  }
}
