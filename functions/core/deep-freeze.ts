/**
 * Freezes a JSON value and everything in it. The rendered template is shared by every review
 * of the same kind of pod and goes into patches by reference, so nothing may change it; frozen,
 * it can also have its JSON text cached (patch-json.ts).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
