import type { Container, JsonObject, Pod } from './types.ts';

/** Read-only, type-checked access to an object that claims to be a Pod. */

export type ContainerList = 'containers' | 'initContainers';

export interface Placement {
  list: ContainerList;
  index: number;
  container: Container;
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function annotationsOf(pod: Pod): Record<string, unknown> | undefined {
  const annotations = isPlainObject(pod.metadata) ? pod.metadata.annotations : undefined;
  return isPlainObject(annotations) ? annotations : undefined;
}

export function annotation(pod: Pod, key: string): string | undefined {
  const value = annotationsOf(pod)?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** Where a pod is described in logs: its name, else its generateName with a `*`. */
export function podDisplayName(pod: unknown, fallback?: string): string {
  if (isPlainObject(pod) && isPlainObject(pod.metadata)) {
    const { name, generateName } = pod.metadata;
    if (typeof name === 'string' && name) return name;
    if (typeof generateName === 'string' && generateName) return `${generateName}*`;
  }
  return fallback || '';
}

/** Why a pod's spec cannot be worked on, or undefined when its container lists are usable. */
export function malformation(pod: Pod): string | undefined {
  if (!isPlainObject(pod.spec)) return 'spec is not an object';
  const { containers, initContainers } = pod.spec;
  if (!Array.isArray(containers)) return 'spec.containers is not an array';
  if (!containers.every(isPlainObject)) return 'spec.containers has an entry that is not an object';
  if (initContainers !== undefined && initContainers !== null) {
    if (!Array.isArray(initContainers)) return 'spec.initContainers is not an array';
    if (!initContainers.every(isPlainObject)) return 'spec.initContainers has an entry that is not an object';
  }
  return undefined;
}

export function containerList(pod: Pod, list: ContainerList): Container[] {
  const value = isPlainObject(pod.spec) ? pod.spec[list] : undefined;
  return Array.isArray(value) ? (value as Container[]) : [];
}

/** Every container (regular or init) carrying the sidecar's name, in list order, init list first. */
export function findByName(pod: Pod, name: string): Placement[] {
  const found: Placement[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    containerList(pod, list).forEach((container, index) => {
      if (container.name === name) found.push({ list, index, container });
    });
  }
  return found;
}
