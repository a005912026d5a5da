import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Child processes for the benchmark: TypeScript children through tsx, optional CPU pinning. */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));

/** `taskset -c <cpu>` when the machine has it and at least two CPUs, so children get a core each. */
export function pinning(): { available: boolean; prefix: (cpu: number) => string[] } {
  const available = availableParallelism() >= 2 && spawnSync('taskset', ['-V']).status === 0;
  return { available, prefix: (cpu) => (available ? ['taskset', '-c', String(cpu)] : []) };
}

export function spawnTs(file: string, args: string[], options: { cpu?: number; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const pin = options.cpu === undefined ? [] : pinning().prefix(options.cpu);
  const command = [...pin, process.execPath, '--import', 'tsx', file, ...args];
  return spawn(command[0] as string, command.slice(1), {
    cwd: REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The first JSON line a child prints (its URL, its result), or a rejection naming its stderr. */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no answer within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, newline)) as T);
        } catch (error) {
          reject(new Error(`${what}: not JSON: ${out.slice(0, 500)} (${(error as Error).message})`));
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before answering; stderr: ${err.slice(-2000)}`));
    });
  });
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; undefined where
 * there is no /proc. Read from outside, so the measured server runs no extra code for it.
 */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of the file (utime, stime), counted after "pid (comm) ": indexes 11 and 12.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const text = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim();
    ticksPerSecond = Number(text) > 0 ? Number(text) : 100;
  }
  return ticksPerSecond;
}
