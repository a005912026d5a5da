// Starting and stopping the heavy child processes (etcd, kube-apiserver, moto_server, the local
// webhook server) with bounded waits. Every process:
//   - runs under coreutils `timeout`, so even if this test process dies hard it ends by itself
//     after E2E_PROCESS_MAX_SECONDS (default 1800 s);
//   - writes stdout and stderr to .cache/e2e/logs/<name>-<pid>.log;
//   - is recorded in a registry that stopAll() empties (tests call it in afterAll, which also
//     runs when a test failed), and that a process 'exit' hook kills as a last resort.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, logsDir } from './paths.ts';
import { waitFor, withTimeout } from './wait.ts';

export interface StartProcessOptions {
  /** Short name used for the log file and in errors, e.g. "etcd". */
  name: string;
  /** Executable path. */
  command: string;
  args: string[];
  /** Full environment for the child (default: a copy of process.env without proxy variables). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Polled until it returns true (throws count as "not yet"); omit for no readiness check. */
  ready?: () => Promise<boolean>;
  /** Bound for `ready` (default 60 s). */
  readyTimeoutMs?: number;
  /** Time between SIGTERM and SIGKILL on stop (default 10 s). */
  stopTimeoutMs?: number;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited. */
  readonly exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after stopTimeoutMs; resolves when it is gone. Idempotent. */
  stop(): Promise<void>;
  /** The last `lines` lines of its log, for error messages. */
  logTail(lines?: number): string;
}

const running = new Set<ManagedProcess>();
/** Set once this process got a terminating signal: nothing new may start after that. */
let terminating: NodeJS.Signals | undefined;
/** Things stopAll() must also undo (a cluster's scratch folder, moto's environment variables). */
const cleanups: Array<() => Promise<void>> = [];
const MAX_SECONDS = Number(process.env.E2E_PROCESS_MAX_SECONDS ?? 1800);

/** Environment variables a child must not inherit: a proxy would take loopback traffic away. */
const DROPPED_ENV = /^(https?_proxy|all_proxy|no_proxy)$/i;

/** process.env without proxy settings, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!DROPPED_ENV.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  const size = statSync(file).size;
  const text = readFileSync(file, 'utf8').slice(Math.max(0, size - 64 * 1024));
  return text.split('\n').slice(-lines - 1).join('\n');
}

/** Process logs older than two days are removed (setup-*.log belong to setup.sh and stay). */
const LOG_MAX_AGE_MS = 2 * 24 * 3600 * 1000;
let logsPruned = false;
function pruneOldLogs(): void {
  if (logsPruned) return;
  logsPruned = true;
  const cutoff = Date.now() - LOG_MAX_AGE_MS;
  for (const name of readdirSync(logsDir)) {
    if (!name.endsWith('.log') || name.startsWith('setup-')) continue;
    const file = join(logsDir, name);
    try {
      if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Starts a process and waits (bounded) until `ready` says so; on failure it is stopped. */
export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  if (terminating) throw new Error(`${opts.name}: not started, this test process is ending (${terminating})`);
  ensureDir(logsDir);
  pruneOldLogs();
  if (!existsSync(opts.command)) throw new Error(`${opts.name}: ${opts.command} does not exist (run npm run e2e:setup)`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logFile = join(logsDir, `${opts.name}-${stamp}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    // `timeout` forwards our SIGTERM to the command, sends SIGKILL 5 s later if it is still
    // there, and ends it on its own after MAX_SECONDS. It puts itself in its own process group.
    child = spawn('timeout', ['--kill-after=5', String(MAX_SECONDS), opts.command, ...opts.args], {
      cwd: opts.cwd,
      env: opts.env ?? childEnv(),
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((r) => child.once('error', r));
    throw new Error(`${opts.name}: could not spawn ${opts.command}`);
  }

  let exit: ManagedProcess['exit'];
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', () => resolve());
  });

  let stopping: Promise<void> | undefined;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  const proc: ManagedProcess = {
    name: opts.name,
    pid,
    logFile,
    get exit() {
      return exit;
    },
    exited,
    logTail: (lines = 30) => tail(logFile, lines),
    stop() {
      stopping ??= (async () => {
        if (!exit) {
          child.kill('SIGTERM');
          try {
            await withTimeout(exited, stopTimeoutMs, `${opts.name} stop`);
          } catch {
            killGroup(pid);
            await withTimeout(exited, 5_000, `${opts.name} kill`).catch(() => undefined);
          }
        }
        running.delete(proc);
      })();
      return stopping;
    },
  };
  running.add(proc);

  if (opts.ready) {
    const check = opts.ready;
    try {
      await waitFor(async () => (await check()) || undefined, {
        what: `${opts.name} readiness`,
        timeoutMs: opts.readyTimeoutMs ?? 60_000,
        intervalMs: 200,
        abort: () => (exit ? `exited early (code ${exit.code}, signal ${exit.signal})` : undefined),
      });
    } catch (err) {
      await proc.stop();
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`${msg}\n--- last lines of ${logFile} ---\n${proc.logTail()}`);
    }
  }
  return proc;
}

function killGroup(pid: number): void {
  // `timeout` made its own process group whose id is its pid: this reaches it and its child.
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Registers `fn` to run in stopAll() (newest first, before the remaining processes are stopped).
 * Returns a function that unregisters it, for when its owner was stopped directly.
 */
export function registerCleanup(fn: () => Promise<void>): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/**
 * Stops everything this harness started: registered cleanups newest first (a cluster's stop()
 * stops its API server, then etcd, then removes its folder), then any process left, newest first.
 * Safe to call more than once. Errors are collected and thrown together at the end, after
 * everything was attempted.
 */
export async function stopAll(): Promise<void> {
  const errors: unknown[] = [];
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    await fn().catch((err: unknown) => errors.push(err));
  }
  for (const proc of [...running].reverse()) await proc.stop().catch((err: unknown) => errors.push(err));
  if (errors.length > 0) throw new AggregateError(errors, `stopAll: ${errors.length} cleanup(s) failed`);
}

/** Processes started and not yet stopped (for diagnostics). */
export function runningProcesses(): ManagedProcess[] {
  return [...running];
}

// Last resort when the test process exits without having called stopAll(): on a normal exit,
// and on a terminating signal (Node runs no 'exit' handler then), after which the signal is
// raised again so the process still ends the way it was asked to.
function killRunning(): void {
  for (const proc of running) if (!proc.exit) killGroup(proc.pid);
}
process.once('exit', killRunning);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    terminating = signal;
    killRunning();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
