// Cold-start driver, plain JavaScript so that nothing but Node itself runs before the import.
// Run in a fresh process: node cold-driver.mjs <mode> <module file> [<request body file> <burst size> <ttl ms>]
//   empty:   import the module (an empty one), report the times.
//   handler: import the bundled Lambda, answer one API Gateway event, report the times.
//   burst:   import the bundle, answer <burst size> concurrent events, read the SSM endpoint's call
//            count, wait past the TTL, answer another concurrent burst, read the count again.
// Times are performance.now(): milliseconds since this process started; cpuMs is the CPU time
// (user + system, all threads) the process had used by then, which moves less than wall time
// when other work shares the machine.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const importStart = performance.now();
const [mode, file, bodyFile, burstText, ttlText] = process.argv.slice(2);
const mod = await import(pathToFileURL(file).href);
const importEnd = performance.now();
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
if (mode === 'empty') {
  process.stdout.write(`${JSON.stringify({ importStart, importEnd, cpuMs: cpuMs() })}\n`);
  process.exit(0);
}

const body = readFileSync(bodyFile, 'utf8');
let counter = 0;
const event = () => ({
  resource: '/mutate',
  path: '/mutate',
  httpMethod: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
  isBase64Encoded: false,
  requestContext: { httpMethod: 'POST', path: '/prod/mutate', stage: 'prod', requestId: `bench-${++counter}` },
});
const context = () => ({
  functionName: 'sidecar-injector-bench',
  functionVersion: '1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:sidecar-injector-bench:live',
  memoryLimitInMB: '1024',
  awsRequestId: `bench-request-${counter}`,
  logGroupName: '/aws/lambda/bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 6000,
});
const summary = (result) => {
  const parsed = JSON.parse(result.body);
  const patch = parsed.response?.patch ? Buffer.from(parsed.response.patch, 'base64').toString('utf8') : '';
  const image = /"image":"([^"]+)"/.exec(patch)?.[1];
  return { status: result.statusCode, image };
};

if (mode === 'handler') {
  const result = await mod.handler(event(), context());
  const answered = performance.now();
  const cpu = cpuMs();
  process.stdout.write(`${JSON.stringify({ importStart, importEnd, answered, cpuMs: cpu, ...summary(result) })}\n`);
  process.exit(0);
}

if (mode === 'burst') {
  const size = Number(burstText);
  const ttlMs = Number(ttlText);
  const endpoint = process.env.AWS_ENDPOINT_URL_SSM;
  const calls = async () => (await (await fetch(`${endpoint}/__calls`)).json()).count;
  const burst = async () => {
    const results = await Promise.all(Array.from({ length: size }, () => mod.handler(event(), context())));
    const summaries = results.map(summary);
    return { ok: summaries.filter((s) => s.status === 200).length, images: [...new Set(summaries.map((s) => s.image))] };
  };
  const first = await burst();
  const afterColdStart = await calls();
  await new Promise((resolve) => setTimeout(resolve, ttlMs + 250));
  const second = await burst();
  const afterTtl = await calls();
  const third = await burst();
  const withinTtl = await calls();
  process.stdout.write(`${JSON.stringify({ size, ttlMs, first, second, third, afterColdStart, afterTtl, withinTtl })}\n`);
  process.exit(0);
}
throw new Error(`unknown mode ${mode}`);
