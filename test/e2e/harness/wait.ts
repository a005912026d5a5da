// Bounded polling: every wait in the harness has a deadline and says what it waited for.

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
  /** Named in the timeout error, e.g. "kube-apiserver /readyz". */
  what: string;
  /** Checked before each attempt; when it returns a message the wait fails at once
   *  (e.g. the process being waited on has exited). */
  abort?: () => string | undefined;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Calls `check` until it returns a value other than `undefined`/`false`, and returns that value.
 * A throw from `check` counts as "not yet" (its message is kept for the timeout error).
 */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  let last = 'no attempt finished';
  for (;;) {
    const aborted = opts.abort?.();
    if (aborted) throw new Error(`${opts.what}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = 'not ready';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      throw new Error(`${opts.what}: not ready after ${opts.timeoutMs} ms (last: ${last})`);
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}

/** Rejects with a clear message if `promise` has not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
