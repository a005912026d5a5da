// Where the end-to-end parts live: everything set up by test/e2e/setup/setup.sh sits under
// .cache/e2e (git-ignored). One place for these paths so the other harness modules agree.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** `.cache/e2e` under the repository root. */
export const e2eCache: string = join(repoRoot, '.cache', 'e2e');
/** Process logs, one file per started process. */
export const logsDir: string = join(e2eCache, 'logs');
/** Per-run scratch folders (etcd data, certificates); each run gets its own subfolder. */
export const runsDir: string = join(e2eCache, 'runs');

export const binaries = {
  kubeApiserver: join(e2eCache, 'bin', 'kube-apiserver'),
  kubeControllerManager: join(e2eCache, 'bin', 'kube-controller-manager'),
  etcd: join(e2eCache, 'bin', 'etcd'),
  registry: join(e2eCache, 'bin', 'registry'),
  motoServer: join(e2eCache, 'venv', 'bin', 'moto_server'),
  cfnLint: join(e2eCache, 'venv', 'bin', 'cfn-lint'),
} as const;

/** Path to the cfn-lint executable in the project-local venv (exists only after e2e:setup). */
export function cfnLintPath(): string {
  return binaries.cfnLint;
}

/** Makes (if needed) and returns a folder under .cache/e2e. */
export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** The versions setup.sh pinned and installed (from .cache/e2e/versions.txt), if it has run. */
export function installedVersions(): Record<string, string> {
  const file = join(e2eCache, 'versions.txt');
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}
