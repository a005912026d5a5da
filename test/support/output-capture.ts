import { vi } from 'vitest';

/**
 * Captures what the process writes to stdout and stderr (Powertools' logger and metrics write
 * through their own Console on process.stdout/stderr, so console spies would miss them).
 */
export interface CapturedOutput {
  text(): string;
  /** Every line that is a JSON object (structured logs and EMF metrics). */
  records(): Array<Record<string, unknown>>;
  clear(): void;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const grab = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(grab as typeof process.stdout.write);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(grab as typeof process.stderr.write);
  return {
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    clear: () => {
      chunks.length = 0;
    },
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
