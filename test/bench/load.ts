import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusPods, reviewBody, sizedPod } from './pods.ts';
import { BENCH_DIR, REPO_ROOT, cpuTimeMs, firstJsonLine, pinning, spawnTs, stop } from './processes.ts';
import { median } from './stats.ts';

/**
 * Part 2: the local server under load against a bare Node HTTP server (read the body,
 * JSON.parse, answer a fixed AdmissionReview), and a second floor: the same bare server answering
 * the local server's real answer (patch included), so that it writes as many bytes. Each server runs in its own child process; the
 * load generator (autocannon) runs in a third. With taskset on a 2-core machine, the servers sit
 * on CPU 1 and the load generator on CPU 0; the orchestrating process only waits. Rounds
 * alternate bare, local, bare, local, ... with a fixed number of requests and connections, and
 * each round is bounded in time (autocannon's per-request timeout and a kill after a deadline).
 */

export type ServerName = 'bare' | 'bareSized' | 'local';

export interface LoadRound {
  server: ServerName;
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** CPU time (user + system) the server process used per request in this round, from /proc; undefined without /proc. */
  serverCpuUsPerRequest?: number;
}

export interface LoadResults {
  body: { pod: string; bytes: number };
  connections: number;
  amount: number;
  rounds: LoadRound[];
  pinned: boolean;
  arrangement: string;
  bare: ServerFigures;
  /** The bare server answering the local server's real answer (same bytes on the wire). */
  bareSized: ServerFigures;
  local: ServerFigures;
  /** Bytes of the local server's answer and of the bare server's fixed one. */
  answerBytes: { local: number; bare: number };
  /** Local req/s over bare req/s (medians over the rounds). */
  ratio: number;
  /**
   * Bare CPU per request over local CPU per request: the throughput ratio the servers would have
   * with a core each to themselves. Much less sensitive to other load on the machine than req/s.
   */
  cpuRatio?: number;
  /** The same two ratios against the bare server that sends an answer of the local server's size. */
  sizedRatio: number;
  sizedCpuRatio?: number;
}

export interface ServerFigures {
  requestsPerSecond: number;
  latencyP99: number;
  latencyP50: number;
  serverCpuUsPerRequest?: number;
}

export async function runLoad(options: { quick: boolean; log: (line: string) => void }): Promise<LoadResults> {
  // The corpus pod of median size; without the corpus, a synthetic pod of about that size.
  const source = corpusPods();
  const pods = (source.length > 0 ? source : [sizedPod('synthetic-5k', 5 * 1024)]).map((p) => ({ name: p.name, body: reviewBody(p.pod, 'load-uid') }));
  const sizes = pods.map((p) => p.body.length);
  const mid = median(sizes);
  const chosen = pods.reduce((best, p) => (Math.abs(p.body.length - mid) < Math.abs(best.body.length - mid) ? p : best));
  const dir = join(REPO_ROOT, '.cache', 'bench');
  mkdirSync(dir, { recursive: true });
  const bodyFile = join(dir, 'load-body.json');
  writeFileSync(bodyFile, chosen.body);

  const pin = pinning();
  const env = { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };
  const servers = {
    bare: spawnTs(join(BENCH_DIR, 'children', 'bare-server.ts'), [], { cpu: 1, env }),
    local: spawnTs(join(BENCH_DIR, 'children', 'local-server.ts'), [], { cpu: 1, env }),
    bareSized: undefined as ReturnType<typeof spawnTs> | undefined,
  };
  const answerFile = join(dir, 'load-answer.json');
  let answerBytes = { local: 0, bare: 0 };
  const connections = 10;
  const amount = options.quick ? 4000 : 12_000;
  const rounds: LoadRound[] = [];
  try {
    const urls: Record<ServerName, string> = {
      bare: (await firstJsonLine<{ url: string }>(servers.bare, 20_000, 'bare server')).url,
      local: (await firstJsonLine<{ url: string }>(servers.local, 20_000, 'local server')).url,
      bareSized: '',
    };
    // The local server's real answer for this body, so a second floor can send the same bytes.
    const exchange = async (url: string) => (await fetch(url, { method: 'POST', body: new Uint8Array(chosen.body), headers: { 'content-type': 'application/json' } })).text();
    const localAnswer = await exchange(urls.local);
    writeFileSync(answerFile, localAnswer);
    answerBytes = { local: Buffer.byteLength(localAnswer), bare: Buffer.byteLength(await exchange(urls.bare)) };
    servers.bareSized = spawnTs(join(BENCH_DIR, 'children', 'bare-server.ts'), [answerFile], { cpu: 1, env });
    urls.bareSized = (await firstJsonLine<{ url: string }>(servers.bareSized, 20_000, 'bare server (sized answer)')).url;
    const pids: Record<ServerName, number | undefined> = { bare: servers.bare.pid, local: servers.local.pid, bareSized: servers.bareSized.pid };
    const fire = async (server: ServerName, requests: number): Promise<LoadRound> => {
      const cpuBefore = cpuTimeMs(pids[server]);
      const client = spawnTs(join(BENCH_DIR, 'children', 'load-client.ts'), [JSON.stringify({ url: urls[server], bodyFile, connections, amount: requests, timeoutSeconds: 10 })], { cpu: 0, env });
      const result = await firstJsonLine<Omit<LoadRound, 'server'>>(client, 90_000, `autocannon against the ${server} server`);
      await stop(client);
      const cpuAfter = cpuTimeMs(pids[server]);
      const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuUsPerRequest: ((cpuAfter - cpuBefore) * 1000) / result.requests } : {};
      return { server, ...result, ...cpu };
    };
    // Warm-up: both servers' JITs see the body before anything is timed.
    for (const server of ['bare', 'bareSized', 'local'] as const) await fire(server, Math.round(amount / 5));
    const count = options.quick ? 2 : 5;
    for (let i = 0; i < count; i++) {
      for (const server of i % 2 === 0 ? (['bare', 'bareSized', 'local'] as const) : (['local', 'bareSized', 'bare'] as const)) {
        const round = await fire(server, amount);
        rounds.push(round);
        const cpu = round.serverCpuUsPerRequest === undefined ? '' : `, server CPU ${round.serverCpuUsPerRequest.toFixed(0)} µs/request`;
        options.log(`  ${server}: ${Math.round(round.requestsPerSecond)} req/s, p99 ${round.latencyP99} ms${cpu}, errors ${round.errors + round.timeouts + round.non2xx}`);
      }
    }
  } finally {
    await Promise.all([stop(servers.bare), stop(servers.local), ...(servers.bareSized ? [stop(servers.bareSized)] : [])]);
  }
  const of = (server: ServerName): ServerFigures => {
    const mine = rounds.filter((r) => r.server === server);
    const cpu = mine.map((r) => r.serverCpuUsPerRequest).filter((x): x is number => x !== undefined);
    return {
      requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
      latencyP99: median(mine.map((r) => r.latencyP99)),
      latencyP50: median(mine.map((r) => r.latencyP50)),
      ...(cpu.length === mine.length && cpu.length > 0 ? { serverCpuUsPerRequest: median(cpu) } : {}),
    };
  };
  const bare = of('bare');
  const bareSized = of('bareSized');
  const local = of('local');
  const cpuRatio = (floor: ServerFigures) =>
    floor.serverCpuUsPerRequest !== undefined && local.serverCpuUsPerRequest !== undefined ? floor.serverCpuUsPerRequest / local.serverCpuUsPerRequest : undefined;
  return {
    body: { pod: chosen.name, bytes: chosen.body.length },
    connections,
    amount,
    rounds,
    pinned: pin.available,
    arrangement: pin.available
      ? 'each server in its own child process pinned to CPU 1 (taskset -c 1); autocannon in a third child pinned to CPU 0; only one server under load at a time'
      : 'each server and autocannon in separate child processes (no taskset or a single CPU: not pinned); only one server under load at a time',
    bare,
    bareSized,
    local,
    answerBytes,
    ratio: local.requestsPerSecond / bare.requestsPerSecond,
    ...(cpuRatio(bare) !== undefined ? { cpuRatio: cpuRatio(bare) as number } : {}),
    sizedRatio: local.requestsPerSecond / bareSized.requestsPerSecond,
    ...(cpuRatio(bareSized) !== undefined ? { sizedCpuRatio: cpuRatio(bareSized) as number } : {}),
  };
}
