// The helpers of the ES module build, imported directly so the Lambda bundle keeps only them
// (the package's CommonJS entry would pull its whole ~12 KB into the bundle).
import { escapePathComponent } from 'fast-json-patch/module/helpers.mjs';

/** One key as a JSON Pointer (RFC 6901) token: `~` becomes `~0` and `/` becomes `~1`. */
export const escapeKey: (key: string) => string = escapePathComponent;

/** A JSON Pointer from raw keys and array indexes. */
export function pointer(...keys: Array<string | number>): string {
  let path = '';
  for (const key of keys) path += `/${typeof key === 'number' ? key : escapeKey(key)}`;
  return path;
}
