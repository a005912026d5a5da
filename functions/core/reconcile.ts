import { escapeKey } from './json-pointer.ts';
import { sameQuantity } from './quantity.ts';
import { isPlainObject } from './pod-view.ts';
import type { JsonValue, PatchOperation } from './types.ts';

/**
 * Field-level convergence: the operations that bring `actual` to contain `desired`. Only keys
 * present in `desired` are looked at, so fields set by others (the API server's defaults, a
 * user's own additions) are never removed; objects are walked key by key so that the patch
 * touches the smallest subtree that differs. Arrays and scalars are replaced whole when they
 * do not already satisfy the desired value.
 */
export function reconcile(actual: unknown, desired: JsonValue, path: string, ops: PatchOperation[], quantities = false): void {
  if (isPlainObject(desired) && isPlainObject(actual)) {
    for (const [key, value] of Object.entries(desired)) {
      const childPath = `${path}/${escapeKey(key)}`;
      if (!(key in actual)) ops.push({ op: 'add', path: childPath, value: clone(value) });
      else reconcile(actual[key], value, childPath, ops, quantities || key === 'resources');
    }
    return;
  }
  if (!satisfies(actual, desired, quantities)) ops.push({ op: 'replace', path, value: clone(desired) });
}

/**
 * True when `actual` already is what `desired` asks for: equal scalars (resource quantities
 * compared by amount), arrays of the same length whose elements each satisfy, objects that
 * contain every desired key with a satisfying value (extra keys, such as defaults the API
 * server added, are fine).
 */
export function satisfies(actual: unknown, desired: JsonValue, quantities = false): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => satisfies(actual[i], d, quantities));
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(desired).every(([k, v]) => k in actual && satisfies(actual[k], v, quantities || k === 'resources'));
  }
  if (quantities && typeof desired === 'string') return sameQuantity(actual, desired);
  return actual === desired;
}

function clone<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}
