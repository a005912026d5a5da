import { escapeKey } from './json-pointer.ts';
import { sameQuantity } from './quantity.ts';
import { isPlainObject } from './pod-view.ts';
import type { JsonObject, JsonValue, PatchOperation } from './types.ts';
import { cloneJson } from './json-clone.ts';

/**
 * Field-level convergence: the operations that bring `actual` to contain `desired`. Only keys
 * present in `desired` are looked at, so fields set by others (the API server's defaults, a
 * user's or another webhook's additions) are never removed; objects are walked key by key so
 * the patch touches the smallest subtree that differs.
 *
 * Lists that Kubernetes merges by a key (its `x-kubernetes-list-map-keys`/patch merge keys:
 * env by name, volumeMounts by mountPath, ports by containerPort, ...) are merged by that key:
 * each desired item is converged with the item of the same key, or appended; items of other
 * keys, such as the token mount the ServiceAccount plugin adds or the env a pod-identity
 * webhook adds, are never removed or reordered. Other lists (args, command, capabilities) are
 * atomic: replaced whole when they differ.
 */
export const LIST_KEYS: Readonly<Record<string, string>> = {
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  resizePolicy: 'resourceName',
  volumes: 'name',
  imagePullSecrets: 'name',
  containers: 'name',
  initContainers: 'name',
};

export function reconcile(actual: unknown, desired: JsonValue, path: string, ops: PatchOperation[], field = '', quantities = false): void {
  // Satisfied subtrees are passed over before any pointer is built: on a second review (the
  // common case) nothing is escaped or concatenated at all.
  if (isPlainObject(desired) && isPlainObject(actual)) {
    for (const key in desired) {
      const value = desired[key] as JsonValue;
      const childQuantities = quantities || key === 'resources';
      if (key in actual && satisfies(actual[key], value, key, childQuantities)) continue;
      const childPath = `${path}/${escapeKey(key)}`;
      if (!(key in actual)) ops.push({ op: 'add', path: childPath, value: clone(value) });
      else reconcile(actual[key], value, childPath, ops, key, childQuantities);
    }
    return;
  }
  const listKey = LIST_KEYS[field];
  if (listKey !== undefined && Array.isArray(desired) && Array.isArray(actual)) {
    for (const item of desired) {
      const index = isPlainObject(item) ? findKeyed(actual, listKey, item[listKey]) : -1;
      if (index === -1) ops.push({ op: 'add', path: `${path}/-`, value: clone(item) });
      else if (!satisfies(actual[index], item, '', quantities)) reconcile(actual[index], item, `${path}/${index}`, ops, '', quantities);
    }
    return;
  }
  if (!satisfies(actual, desired, field, quantities)) ops.push({ op: 'replace', path, value: clone(desired) });
}

/**
 * True when `actual` already contains `desired`, so `reconcile` would emit nothing: scalars
 * equal (resource quantities by amount: the API server stores `0.1` as `100m`), objects with
 * every desired key satisfied (extra keys, such as defaults, are fine), keyed lists with every
 * desired item present by key, atomic lists of the same length, item by item.
 */
export function satisfies(actual: unknown, desired: JsonValue, field = '', quantities = false): boolean {
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual)) return false;
    const listKey = LIST_KEYS[field];
    if (listKey !== undefined) {
      return desired.every((d) => {
        const index = isPlainObject(d) ? findKeyed(actual, listKey, d[listKey]) : -1;
        return index !== -1 && satisfies(actual[index], d, '', quantities);
      });
    }
    return actual.length === desired.length && desired.every((d, i) => satisfies(actual[i], d, '', quantities));
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return false;
    for (const key in desired) {
      if (!(key in actual) || !satisfies(actual[key], desired[key] as JsonValue, key, quantities || key === 'resources')) return false;
    }
    return true;
  }
  if (quantities && typeof desired === 'string') return sameQuantity(actual, desired);
  return actual === desired;
}

/** The index of the first item whose key field equals `key`, or -1. */
export function findKeyed(list: unknown[], listKey: string, key: JsonValue | undefined): number {
  if (key === undefined) return -1;
  return list.findIndex((item) => isPlainObject(item) && item[listKey] === key);
}

/** Desired values go into the patch as they are when frozen (shared template pieces), else copied. */
function clone<T extends JsonValue | JsonObject>(value: T): T {
  return typeof value === 'object' && value !== null && Object.isFrozen(value) ? value : cloneJson(value);
}
