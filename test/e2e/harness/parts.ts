// Which real parts are installed, and the skip-or-fail rule the brief sets for the suite:
// outside CI a missing part skips the tests that need it, with a message saying what to run;
// under CI=true a missing part is an error (no silent skip).
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { binaries, lambdaRiePath } from './paths.ts';

export type Part = 'kube-apiserver' | 'kube-controller-manager' | 'etcd' | 'registry' | 'moto' | 'cfn-lint' | 'openssl' | 'lambda';

const files: Record<Exclude<Part, 'openssl' | 'lambda'>, string> = {
  'kube-apiserver': binaries.kubeApiserver,
  'kube-controller-manager': binaries.kubeControllerManager,
  etcd: binaries.etcd,
  registry: binaries.registry,
  moto: binaries.motoServer,
  'cfn-lint': binaries.cfnLint,
};

/** The Lambda path: SAM's venv (gateway emulation and the Runtime Interface Emulator), the runtime client, Node 24. */
const lambdaFiles = (): Record<string, string> => ({
  'lambda (aws-sam-cli venv)': binaries.lambdaPython,
  'lambda (runtime interface emulator)': lambdaRiePath(),
  'lambda (aws-lambda-ric)': binaries.lambdaRic,
  'lambda (Node 24)': binaries.node24,
});

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(cmd: string): boolean {
  try {
    execFileSync(cmd, ['version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The parts of `needed` that are not installed, with where each was looked for. */
export function missingParts(needed: Part[]): string[] {
  const missing: string[] = [];
  for (const part of needed) {
    if (part === 'openssl') {
      if (!onPath('openssl')) missing.push('openssl (not on PATH)');
    } else if (part === 'lambda') {
      for (const [what, file] of Object.entries(lambdaFiles())) if (!readable(file)) missing.push(`${what} (${file})`);
    } else if (!executable(files[part])) {
      missing.push(`${part} (${files[part]})`);
    }
  }
  return missing;
}

export const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

export interface Gate {
  /** True when the tests should be skipped (never under CI: it throws instead). */
  skip: boolean;
  /** Why, for the skip message; empty when nothing is missing. */
  reason: string;
}

/**
 * Call at the top of an e2e test file and pass `gate.skip` to describe.skipIf().
 * Missing parts: under CI=true throws (the file fails); otherwise warns and returns skip=true.
 */
export function requireParts(needed: Part[]): Gate {
  const missing = missingParts(needed);
  if (missing.length === 0) return { skip: false, reason: '' };
  const reason = `end-to-end parts missing: ${missing.join(', ')}. Run \`npm run e2e:setup\` (needs Go and Python 3).`;
  if (isCI()) throw new Error(`${reason} CI=true, so this is a failure, not a skip.`);
  console.warn(`SKIPPING end-to-end tests: ${reason}`);
  return { skip: true, reason };
}
