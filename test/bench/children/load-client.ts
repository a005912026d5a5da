import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';

/**
 * Child process for the load benchmark: autocannon against one server, in its own process (and,
 * where taskset exists, on its own core) so the load generator never shares the server's event
 * loop. Argument: a JSON object { url, bodyFile, connections, amount, timeoutSeconds }. Prints
 * the result as one JSON line.
 */
const options = JSON.parse(process.argv[2] ?? '{}') as { url: string; bodyFile: string; connections: number; amount: number; timeoutSeconds: number };
const body = readFileSync(options.bodyFile);
// autocannon notices the end of a fixed-amount run only on its sampling tick (1 s by default),
// so its own duration is rounded up to that tick. The run's real length is taken here instead:
// from its start to the last response.
let startedAt = performance.now();
let lastResponseAt = startedAt;
const run = autocannon({
  url: options.url,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
  connections: options.connections,
  pipelining: 1,
  amount: options.amount,
  timeout: options.timeoutSeconds,
  sampleInt: 100,
});
run.on('start', () => {
  startedAt = performance.now();
});
run.on('response', () => {
  lastResponseAt = performance.now();
});
const result = await run;
const seconds = (lastResponseAt - startedAt) / 1000;
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    durationSeconds: seconds,
    requestsPerSecond: result.requests.total / seconds,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  })}\n`,
);
