import { annotationKeys, type InjectorConfig } from '../../functions/core/injector-config.ts';

/**
 * The pod with everything the injector owns taken out: containers of the template's names, our
 * annotations, the template's volumes and pull secrets, pod-level resources (raised for the
 * injected containers), and the empty maps and lists that creating them may have left. Two pods that
 * are equal after this differ only in what the injector may touch.
 */
export function withoutOwned(pod: any, config: InjectorConfig): any {
  const copy = structuredClone(pod);
  const keys = annotationKeys(config.annotationPrefix);
  const injected = new Set([...config.template.fragment.initContainers, ...config.template.fragment.containers].map((c) => c.name));
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(copy.spec?.[list])) {
      copy.spec[list] = copy.spec[list].filter((c: any) => !injected.has(c?.name));
      if (list === 'initContainers' && copy.spec[list].length === 0) delete copy.spec[list];
    }
  }
  for (const list of ['volumes', 'imagePullSecrets'] as const) {
    const names = new Set(config.template.fragment[list].map((item) => item.name));
    if (Array.isArray(copy.spec?.[list])) {
      copy.spec[list] = copy.spec[list].filter((item: any) => !names.has(item?.name));
      if (copy.spec[list].length === 0) delete copy.spec[list];
    }
  }
  // Raised by exactly what the injected containers need (pod-resources tests check the amounts).
  if (copy.spec?.resources) delete copy.spec.resources;
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[keys.status];
    delete copy.metadata.annotations[keys.version];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  if (copy.metadata && Object.keys(copy.metadata).length === 0) delete copy.metadata;
  return copy;
}
