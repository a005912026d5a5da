import jsonPatch from 'fast-json-patch';

/** One key as a JSON Pointer (RFC 6901) token: `~` becomes `~0` and `/` becomes `~1`. */
export const escapeKey: (key: string) => string = jsonPatch.escapePathComponent;

/** A JSON Pointer from raw keys and array indexes. */
export function pointer(...keys: Array<string | number>): string {
  let path = '';
  for (const key of keys) path += `/${typeof key === 'number' ? key : escapeKey(key)}`;
  return path;
}
