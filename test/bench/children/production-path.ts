// The admission cost on the production path, in a process configured as the deployed function:
// the stack's esbuild bundle (required as Lambda's runtime does), REST proxy events as API Gateway
// builds them, the function environment the stack writes (INFO logs, EMF metrics on, the release
// from SSM through the real SDK against a local endpoint), a Lambda context per invocation, and
// stdout going to a sink (/dev/null: the parent spawns this child with stdout ignored).
//
//   node --import tsx production-path.ts <bundle file> <cases.json> <rounds scale>
//
// Per body, three things are timed in rotating order, round after round: the floor
// (JSON.parse of the body), the core (parse, decide, and the answer's JSON as the service writes
// it, admissionResponseJson: the pure part), and the
// handler (the bundle's export, with the event and a context). The results go back over IPC.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { admissionResponseJson, readAdmissionReview } from '../../../functions/core/admission-review.ts';
import { decide } from '../../../functions/core/decide.ts';
import type { InjectorConfig } from '../../../functions/core/injector-config.ts';
import { settingsFromEnv } from '../../../functions/shell/settings.ts';
import { restEvent } from '../../support/lambda-events.ts';

interface Case {
  group: string;
  name: string;
  body: string;
  rounds: number;
}

const [bundleFile, casesFile] = process.argv.slice(2) as [string, string];
const cases = JSON.parse(readFileSync(casesFile, 'utf8')) as Case[];
const handler = (createRequire(import.meta.url)(bundleFile) as { handler: (event: unknown, context: Context) => Promise<APIGatewayProxyResult> }).handler;

// The core sees the same settings and the release the local SSM endpoint serves.
const settings = settingsFromEnv(process.env);
const config: InjectorConfig = { ...settings.injector, release: { version: process.env.BENCH_RELEASE_VERSION ?? '', image: process.env.BENCH_RELEASE_IMAGE ?? '' } };

let invocation = 0;
function context(): Context {
  invocation++;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bench'}:live`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    logGroupName: '/aws/lambda/bench',
    logStreamName: '2026/11/24/[$LATEST]bench',
    getRemainingTimeInMillis: () => 7000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

let sink = 0;
const events = cases.map((c) => restEvent({ body: c.body, path: process.env.BENCH_PATH ?? '/mutate' }));
const buffers = cases.map((c) => Buffer.from(c.body, 'utf8'));

function floorOnce(i: number): void {
  // The event carries the body as a string; the floor parses exactly that string.
  const parsed = JSON.parse(events[i]!.body as string) as { kind?: unknown };
  if (parsed.kind === 'x') sink++;
}

function coreOnce(i: number): void {
  const read = readAdmissionReview(JSON.parse(events[i]!.body as string));
  if ('error' in read) throw new Error(read.error);
  sink += admissionResponseJson(read.request.uid, decide(read.request, config)).length;
}

async function handlerOnce(i: number): Promise<void> {
  const result = await handler(events[i], context());
  if (result.statusCode !== 200) throw new Error(`handler answered ${result.statusCode}: ${result.body}`);
  sink += result.body.length;
}

async function measure(i: number, rounds: number, out?: { floor: number[]; core: number[]; handler: number[] }, offset = 0): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < 3; k++) {
      const which = (offset + round + i + k) % 3;
      const start = process.hrtime.bigint();
      if (which === 0) floorOnce(i);
      else if (which === 1) coreOnce(i);
      else await handlerOnce(i);
      const ns = Number(process.hrtime.bigint() - start);
      if (out) (which === 0 ? out.floor : which === 1 ? out.core : out.handler).push(ns);
    }
  }
}

// The first invocation reads SSM (a cold start); then every body warms up on all three paths.
await handlerOnce(0);
for (let i = 0; i < cases.length; i++) await measure(i, Math.min(5, cases[i]!.rounds));
// Round-robin over the bodies of a group, as admissions arrive in a cluster.
const results = cases.map(() => ({ floor: [] as number[], core: [] as number[], handler: [] as number[] }));
const maxRounds = Math.max(...cases.map((c) => c.rounds));
for (let round = 0; round < maxRounds; round++) {
  for (let i = 0; i < cases.length; i++) if (round < cases[i]!.rounds) await measure(i, 1, results[i], round);
}
if (sink === -1) console.error(sink);
process.send?.({ results: cases.map((c, i) => ({ group: c.group, name: c.name, bytes: buffers[i]!.length, ...results[i]! })) }, () => process.exit(0));
