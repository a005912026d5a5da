import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The shared corpus of real pods (../shared/corpus/istio-pods beside the repository). In a
 * user's clone it is absent and the tests that read it skip with a message; under CI=true its
 * absence is a failure, so CI can never pass by skipping them.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = resolve(repoRoot, '..', 'shared', 'corpus', 'istio-pods');
export const corpusAvailable = existsSync(CORPUS_DIR);
export const mustHaveCorpus = process.env.CI === 'true' || process.env.CI === '1';

export interface CorpusPod {
  name: string;
  pod: any;
  bytes: number;
}

export function loadCorpus(): CorpusPod[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => {
      const text = readFileSync(join(CORPUS_DIR, name), 'utf8');
      return { name, pod: JSON.parse(text), bytes: Buffer.byteLength(text) };
    });
}

export function corpusMissingMessage(): string {
  return `shared corpus not found at ${CORPUS_DIR}: corpus tests skipped (they fail instead under CI=true)`;
}
