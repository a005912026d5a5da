import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deferred } from './deferred.ts';

/** Child processes of the project's own entry points, with their output collected. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/**
 * `npm start`'s entry with tsx loaded in-process (`node --import tsx`), on the Node that runs
 * the tests (node@24). Not through tsx's CLI: that one runs the script in a second process and
 * relays SIGTERM with a 30 ms acknowledgement window, after which it SIGKILLs the child and
 * exits 143, so on a loaded machine a clean shutdown could not be observed reliably.
 */
export const SERVER_MAIN = ['--import', 'tsx', 'functions/local/server-main.ts'];

export interface RunningChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node <args>` in the repository. `stdin` as a string is written to the child's standard
 * input, which Node connects through a socket pair; `{ fd }` gives it an open file instead, as a
 * shell's `< file` does.
 */
export function startChild(args: string[], env: Record<string, string | undefined>, stdin?: string | { fd: number }): RunningChild {
  const input = typeof stdin === 'object' ? stdin.fd : 'pipe';
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: [input, 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const watchers: Array<{ pattern: RegExp; done: ReturnType<typeof deferred<RegExpMatchArray>> }> = [];
  const exited = deferred<{ code: number | null; signal: NodeJS.Signals | null }>();
  const check = () => {
    for (const watcher of [...watchers]) {
      const match = (out + err).match(watcher.pattern);
      if (match) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.done.resolve(match);
      }
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    check();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    check();
  });
  child.on('close', (code, signal) => {
    for (const watcher of watchers.splice(0)) {
      watcher.done.reject(new Error(`process exited (${code ?? signal}) before printing ${watcher.pattern}\nstdout: ${out}\nstderr: ${err}`));
    }
    exited.resolve({ code, signal });
  });
  if (typeof stdin === 'string') child.stdin!.end(stdin);
  else child.stdin?.end();
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern) {
      const match = (out + err).match(pattern);
      if (match) return Promise.resolve(match);
      const done = deferred<RegExpMatchArray>();
      watchers.push({ pattern, done });
      return done.promise;
    },
    exited: exited.promise,
  };
}

/** The environment of the test process without the webhook's own variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  const ours = /^(ANNOTATION_PREFIX|SIDECAR_|SSM_|UPGRADE_ON_UPDATE|NATIVE_SIDECAR|SKIP_|MAX_BODY_BYTES|WEBHOOK_PATH_TOKEN|HOST|PORT|TLS_|AWS_|POWERTOOLS_|VITEST|NODE_OPTIONS)/;
  for (const [name, value] of Object.entries(process.env)) if (!ours.test(name)) env[name] = value;
  return { ...env, ...extra };
}
