/**
 * Kubernetes resource quantities ("100m", "0.1", "64Mi", "1e3"). The API server stores them in
 * canonical form, so "0.1" comes back as "100m": comparing strings would make the injector
 * patch a pod that is already right, again and again. Written by hand because the only
 * parser on npm comes with the whole Kubernetes client, far too big for the Lambda bundle.
 */

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Values are held as whole nano-units, as Kubernetes rounds anything finer up to 1n. */
const NANO_EXPONENT = 9;

/** The quantity in nano-units (rounded up, as the API server does), or undefined if malformed. */
export function quantityNanos(text: string): bigint | undefined {
  if (typeof text !== 'string' || text.length > 64) return undefined;
  const match = QUANTITY_RE.exec(text);
  if (!match) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  let exponent10 = -fraction.length + NANO_EXPONENT;
  if (suffix in BINARY) mantissa *= 1024n ** BigInt(BINARY[suffix] ?? 0);
  else if (suffix in DECIMAL) exponent10 += DECIMAL[suffix] ?? 0;
  else if (suffix !== '') exponent10 += Number(suffix.slice(1));
  if (Math.abs(exponent10) > 400) return undefined;
  let nanos: bigint;
  if (exponent10 >= 0) nanos = mantissa * 10n ** BigInt(exponent10);
  else {
    const divisor = 10n ** BigInt(-exponent10);
    nanos = (mantissa + divisor - 1n) / divisor;
  }
  return sign === '-' ? -nanos : nanos;
}

export function isQuantity(text: string): boolean {
  return quantityNanos(text) !== undefined;
}

/**
 * Parsed amounts of the quantities seen lately: a review compares the same few template
 * quantities with the same few canonical forms the API server stores, again and again.
 */
const parsed = new Map<string, bigint | undefined>();
const MAX_PARSED = 1024;

/** quantityNanos, memoised. */
export function cachedQuantityNanos(text: string): bigint | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const nanos = quantityNanos(text);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(text, nanos);
  return nanos;
}

/** True when both are valid quantities of the same amount; otherwise plain equality. */
export function sameQuantity(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'string' && typeof a !== 'number') return false;
  if (typeof b !== 'string' && typeof b !== 'number') return false;
  const x = cachedQuantityNanos(String(a));
  const y = cachedQuantityNanos(String(b));
  return x !== undefined && x === y;
}
