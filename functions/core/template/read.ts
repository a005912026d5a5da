import { isPlainObject } from '../pod-view.ts';
import type { Container, JsonObject } from '../types.ts';
import { FRAGMENT_LISTS, type PodFragment } from './pod-fragment.ts';
import { podFragmentProblems } from './validate.ts';

/**
 * A parsed template document as a PodFragment, or every problem with it. The validator checks
 * it against the Kubernetes schema and the API server's own container and volume rules first;
 * this then only shapes what passed.
 */
export function readPodFragment(doc: unknown, sidecarName: string): { fragment: PodFragment } | { problems: string[] } {
  const problems = podFragmentProblems(doc, { sidecarName });
  if (problems.length > 0) return { problems };
  const source = doc as JsonObject;
  const list = (key: (typeof FRAGMENT_LISTS)[number]): JsonObject[] => (Array.isArray(source[key]) ? (source[key].filter(isPlainObject) as JsonObject[]) : []);
  return {
    fragment: {
      initContainers: list('initContainers') as Container[],
      containers: list('containers') as Container[],
      volumes: list('volumes'),
      imagePullSecrets: list('imagePullSecrets'),
    },
  };
}

/** The name of the template's only long-running container, the natural sidecar when none is named. */
export function onlyContainerName(doc: unknown): string | undefined {
  if (!isPlainObject(doc) || !Array.isArray(doc.containers) || doc.containers.length !== 1) return undefined;
  const [only] = doc.containers;
  return isPlainObject(only) && typeof only.name === 'string' ? only.name : undefined;
}
