import jsonPatch from 'fast-json-patch';
import { decide } from '../core/decide.ts';
import type { InjectorConfig } from '../core/injector-config.ts';
import { isPlainObject } from '../core/pod-view.ts';
import type { JsonObject } from '../core/types.ts';

/**
 * Offline injection into one Kubernetes object: a Pod, the pod template of a workload, or
 * every item of a List. It runs the webhook's own decision on a simulated CREATE, so the
 * result is what the cluster would admit, and running it again changes nothing.
 */

export type ObjectOutcome =
  | { status: 'changed'; value: JsonObject; notes: string[] }
  | { status: 'unchanged'; notes: string[] }
  | { status: 'error'; message: string };

/** Where each workload kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export function injectObject(object: unknown, config: InjectorConfig): ObjectOutcome {
  if (!isPlainObject(object)) return { status: 'unchanged', notes: [] };
  const kind = object.kind;
  if (kind === 'List' && Array.isArray(object.items)) return injectList(object, config);
  if (kind === 'Pod') {
    const copy = structuredClone(object);
    return injectPodLike(copy, copy, 'Pod', config);
  }
  const path = typeof kind === 'string' ? TEMPLATE_PATHS[kind] : undefined;
  if (!path) return { status: 'unchanged', notes: [] };
  const copy = structuredClone(object);
  let template: unknown = copy;
  for (const key of path) template = isPlainObject(template) ? template[key] : undefined;
  if (!isPlainObject(template)) return { status: 'error', message: `${kind} has no ${path.join('.')}` };
  return injectPodLike(copy, template, `${kind} pod template`, config);
}

/** Decides on `target` (a Pod, or a pod template inside the copied `root`) and patches it in place. */
function injectPodLike(root: JsonObject, target: JsonObject, what: string, config: InjectorConfig): ObjectOutcome {
  const decision = decide(
    {
      uid: 'offline',
      operation: 'CREATE',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      object: target,
    },
    config,
  );
  if (decision.action === 'skip') {
    if (decision.reason === 'malformed-pod') return { status: 'error', message: `${what}: ${decision.warnings.join('; ')}` };
    return { status: 'unchanged', notes: [`${what} skipped: ${decision.reason}`] };
  }
  if (decision.patch.length === 0) return { status: 'unchanged', notes: [] };
  // A copy of the patch: its values are the shared, frozen template, and the YAML writer would
  // turn the same object in two documents into an anchor and an alias.
  jsonPatch.applyPatch(target, structuredClone(decision.patch) as jsonPatch.Operation[], true, true);
  return { status: 'changed', value: root, notes: [] };
}

function injectList(list: JsonObject, config: InjectorConfig): ObjectOutcome {
  const items = list.items as unknown[];
  const notes: string[] = [];
  let changed = false;
  const next = items.map((item, index) => {
    const outcome = injectObject(item, config);
    if (outcome.status === 'error') throw new ListItemError(index, outcome.message);
    notes.push(...outcome.notes.map((n) => `items[${index}]: ${n}`));
    if (outcome.status === 'unchanged') return item;
    changed = true;
    return outcome.value;
  });
  return changed ? { status: 'changed', value: { ...list, items: next as JsonObject[] }, notes } : { status: 'unchanged', notes };
}

class ListItemError extends Error {
  constructor(index: number, message: string) {
    super(`items[${index}]: ${message}`);
  }
}

/** injectObject, with an error in a List item reported as an error of the whole document. */
export function injectDocument(object: unknown, config: InjectorConfig): ObjectOutcome {
  try {
    return injectObject(object, config);
  } catch (error) {
    if (error instanceof ListItemError) return { status: 'error', message: error.message };
    throw error;
  }
}
