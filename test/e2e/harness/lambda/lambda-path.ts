// The webhook as AWS runs it, without AWS: the app is synthesized with the CDK CLI (the bundle
// esbuild makes for the stack, the template), and then
//   - the function's asset runs in the Lambda Runtime Interface Emulator (from aws-sam-cli),
//     started on Node 24 through the real Node runtime interface client (aws-lambda-ric), with
//     the template's environment plus what Lambda itself sets;
//   - gateway.py, SAM's local API Gateway service, serves the template's REST routes on
//     https://127.0.0.1:<port>/<stage>/..., builds the proxy event and invokes the emulator;
//   - SSM is moto (the template's function reads its release from SSM, as deployed).
// The result has the shape of the local server's WebhookServer, so scenarios run on either path.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyPair } from '../certs.ts';
import { httpGet } from '../http.ts';
import { binaries, lambdaRiePath, repoRoot, runsDir } from '../paths.ts';
import { freePorts, LOOPBACK } from '../ports.ts';
import { childEnv, registerCleanup, startProcess, type ManagedProcess } from '../process.ts';
import type { WebhookServer } from '../webhook.ts';
import { readTemplateApi, type TemplateApi, type TemplateFunction } from './template.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const STACK_NAME = 'SidecarInjector';
/**
 * Without a pathToken setting the stack generates the URL's token at deploy (Secrets Manager
 * read back by a custom resource), which has no value before a deploy: the Lambda path gives
 * the literal the stack accepts instead, so the template's function environment is complete.
 */
export const TEST_PATH_TOKEN = 'e2e-lambda-path-token-0123456789';

/** `cdk synth` of this repository's app, as the CLI runs it; one assembly per context per test process. */
const assemblies = new Map<string, string>();
export function synthApp(context: Record<string, string> = {}): string {
  const key = createHash('sha256').update(JSON.stringify(Object.entries(context).sort())).digest('hex').slice(0, 12);
  const cached = assemblies.get(key);
  if (cached) return cached;
  const out = join(runsDir, `synth-${process.pid}-${key}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const args = ['cdk', 'synth', '--quiet', '-o', out, ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const synth = spawnSync('npx', args, { cwd: repoRoot, encoding: 'utf8', timeout: 180_000, env: childEnv({ CDK_DISABLE_VERSION_CHECK: 'true' }) });
  if (synth.status !== 0) throw new Error(`cdk synth failed (${synth.status}):\n${synth.stderr}\n${synth.stdout}`);
  assemblies.set(key, out);
  registerCleanup(async () => {
    if (process.env.E2E_KEEP_RUNS !== '1') rmSync(out, { recursive: true, force: true });
  });
  return out;
}

export interface LambdaFunctionProcess {
  /** The emulator's invoke endpoint: POST an event, get the function's result. */
  invokeUrl: string;
  proc: ManagedProcess;
}

/**
 * What the Lambda service sets in every execution environment (the emulator sets only a few,
 * and never AWS_LAMBDA_INITIALIZATION_TYPE), for this function.
 */
function lambdaEnvironment(fn: TemplateFunction, taskRoot: string, region: string): Record<string, string> {
  return {
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: dirname(binaries.lambdaRic),
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(fn.timeoutSeconds),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: `${dirname(binaries.node24)}:/usr/local/bin:/usr/bin:/bin`,
  };
}

/**
 * The asset unpacked where nothing encloses it, as Lambda unpacks the zip into /var/task. Inside
 * this repository the bundle's index.js would fall under package.json's "type": "module" and
 * Node would load the CommonJS bundle as ESM (and fail), which never happens on Lambda.
 */
function taskRootOf(fn: TemplateFunction): string {
  const root = mkdtempSync(join(tmpdir(), 'lambda-task-'));
  cpSync(fn.codeDir, root, { recursive: true });
  for (let dir = dirname(root); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) throw new Error(`${join(dir, 'package.json')} encloses the task root ${root}: Node would read the bundle's module type from it`);
  }
  registerCleanup(async () => rmSync(root, { recursive: true, force: true }));
  return root;
}

/**
 * Starts one execution environment of `fn`: the emulator on 127.0.0.1, its runtime the Node 24
 * runtime interface client in the function's asset folder. The environment is Lambda's, not the
 * test process's: only the template's variables, Lambda's own, and `env` (moto's endpoint and
 * dummy credentials, or a test's overrides; undefined removes a template variable).
 */
export async function startLambdaFunction(fn: TemplateFunction, env: Record<string, string | undefined> = {}): Promise<LambdaFunctionProcess> {
  const [port, apiPort] = await freePorts(2);
  const region = env.AWS_REGION ?? 'us-east-1';
  const taskRoot = taskRootOf(fn);
  const environment: Record<string, string> = { ...lambdaEnvironment(fn, taskRoot, region), ...fn.environment };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete environment[k];
    else environment[k] = v;
  }
  const invokeUrl = `http://${LOOPBACK}:${port}/2015-03-31/functions/function/invocations`;
  const proc = await startProcess({
    name: 'lambda',
    command: lambdaRiePath(),
    args: [
      '--log-level', 'info',
      '--runtime-interface-emulator-address', `${LOOPBACK}:${port}`,
      '--runtime-api-address', `${LOOPBACK}:${apiPort}`,
      binaries.node24, binaries.lambdaRic, fn.handler,
    ],
    cwd: taskRoot,
    env: environment,
    readyTimeoutMs: 30_000,
    // The emulator listens at once and starts the runtime on the first invocation (a cold start).
    ready: async () => (await httpGet(`http://${LOOPBACK}:${port}/`)).status > 0,
  });
  return { invokeUrl, proc };
}

export interface LambdaWebhookOptions {
  /** Serving certificate of the gateway; must be valid for IP 127.0.0.1. */
  cert: KeyPair;
  caPem: string;
  /** Function environment overrides on top of the template's (moto.env, SSM_*, NATIVE_SIDECAR, ...). */
  env?: Record<string, string | undefined>;
  /** CDK context for the synth on top of cdk.json; pathToken defaults to TEST_PATH_TOKEN. */
  context?: Record<string, string>;
}

export interface LambdaWebhook extends WebhookServer {
  /** https://127.0.0.1:<port>/<stage>: append the resource path (/mutate). */
  url: string;
  /** The function's emulator process; its log holds the function's JSON log lines. */
  proc: ManagedProcess;
  gateway: ManagedProcess;
  invokeUrl: string;
  /** The path the API server posts to, after `url`: /mutate/<token>. */
  webhookPath: string;
  api: TemplateApi;
  assemblyDir: string;
}

/** Synthesizes the app, starts the function under the emulator and the gateway in front of it. */
export async function startLambdaWebhook(opts: LambdaWebhookOptions): Promise<LambdaWebhook> {
  // The suite's sidecar images are fictional (registry.example): there is no registry to check a
  // release in, so the stack's release check is off here (release-verify.e2e.test.ts covers it).
  const context = { pathToken: TEST_PATH_TOKEN, verifyRelease: 'false', ...opts.context };
  const assemblyDir = synthApp(context);
  const api = readTemplateApi(assemblyDir, STACK_NAME);
  const ids = Object.keys(api.functions);
  if (ids.length !== 1) throw new Error(`expected the template's routes to reach one function, found ${ids.join(', ') || 'none'}`);
  const fn = api.functions[ids[0] as string] as TemplateFunction;
  const lambda = await startLambdaFunction(fn, opts.env);

  const [port] = await freePorts(1);
  const url = `https://${LOOPBACK}:${port}/${api.stage}`;
  const configFile = join(assemblyDir, `gateway-${port}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      host: LOOPBACK,
      port,
      certFile: opts.cert.certFile,
      keyFile: opts.cert.keyFile,
      stage: api.stage,
      binaryMediaTypes: api.binaryMediaTypes,
      routes: api.routes.map((r) => ({ method: r.method, path: r.path, function: r.functionLogicalId, integrationTimeoutMs: r.integrationTimeoutMs })),
      functions: { [fn.logicalId]: { invokeUrl: lambda.invokeUrl, timeoutSeconds: fn.timeoutSeconds } },
    }),
  );
  let gateway: ManagedProcess;
  try {
    gateway = await startProcess({
      name: 'gateway',
      command: binaries.lambdaPython,
      args: [join(here, 'gateway.py'), configFile],
      cwd: assemblyDir,
      env: childEnv({ PYTHONUNBUFFERED: '1', SAM_CLI_TELEMETRY: '0' }),
      readyTimeoutMs: 60_000,
      ready: async () => (await httpGet(`https://${LOOPBACK}:${port}/`, { ca: opts.caPem })).status > 0,
    });
  } catch (error) {
    await lambda.proc.stop();
    throw error;
  }
  return {
    url,
    port: port as number,
    proc: lambda.proc,
    gateway,
    invokeUrl: lambda.invokeUrl,
    webhookPath: `/mutate/${context.pathToken}`,
    api,
    assemblyDir,
    stop: async () => {
      await Promise.all([gateway.stop(), lambda.proc.stop()]);
    },
  };
}
