import { annotationKeys, type InjectorConfig } from '../../functions/core/injector-config.ts';

/**
 * The pod with everything the injector owns taken out: containers of the sidecar's name, our
 * annotations, and the empty maps and lists that creating them may have left. Two pods that
 * are equal after this differ only in what the injector may touch.
 */
export function withoutOwned(pod: any, config: InjectorConfig): any {
  const copy = structuredClone(pod);
  const keys = annotationKeys(config.annotationPrefix);
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(copy.spec?.[list])) {
      copy.spec[list] = copy.spec[list].filter((c: any) => c?.name !== config.sidecar.name);
      if (list === 'initContainers' && copy.spec[list].length === 0) delete copy.spec[list];
    }
  }
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[keys.status];
    delete copy.metadata.annotations[keys.version];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}
