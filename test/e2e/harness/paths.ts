// Where the end-to-end parts live: everything set up by test/e2e/setup/setup.sh sits under
// .cache/e2e (git-ignored). One place for these paths so the other harness modules agree.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
  /** Python of the venv holding aws-sam-cli (the API Gateway emulation runs on it). */
  lambdaPython: join(e2eCache, 'lambda-venv', 'bin', 'python'),
  /** The Node.js runtime interface client's entry (its native addon sits beside it). */
  lambdaRic: join(e2eCache, 'lambda-ric', 'node_modules', 'aws-lambda-ric', 'index.mjs'),
  /** Node 24 from the node@24 devDependency: the Lambda runtime's major, whatever Node runs the tests. */
  node24: join(repoRoot, 'node_modules', 'node', 'node_modules', `node-linux-${process.arch}`, 'bin', 'node'),
} as const;

/** The Runtime Interface Emulator that aws-sam-cli ships for this machine's architecture. */
export function lambdaRiePath(): string {
  const lib = join(e2eCache, 'lambda-venv', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('python3')) : undefined;
  const arch = process.arch === 'arm64' ? 'arm64' : 'x86_64';
  return join(lib, python ?? 'python3', 'site-packages', 'samcli', 'local', 'rapid', `aws-lambda-rie-${arch}`);
}

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
