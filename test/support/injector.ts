import jsonPatch from 'fast-json-patch';
import { decide, type Decision } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import { defaultFragment } from '../../functions/core/template/pod-fragment.ts';
import type { AdmissionRequest, Operation, PatchOperation } from '../../functions/core/types.ts';

/** Test helpers around the pure core: a default config, requests, and applying patches. */

export function testConfig(overrides: Partial<InjectorConfig> = {}): InjectorConfig {
  return {
    annotationPrefix: 'injector.my-company.com',
    template: { sidecarName: 'my-sidecar', fragment: defaultFragment() },
    release: { version: '1.2.1', image: 'my-org/my-sidecar:1.2.1' },
    upgradeOnUpdate: false,
    nativeSidecar: 'auto',
    skipHostNetwork: true,
    skipMirrorPods: true,
    skipWindowsPods: true,
    keepGuaranteedQos: true,
    ...overrides,
  };
}

/** The config with the sidecar container of its template edited (fields merged over the default's). */
export function withSidecarFields(config: InjectorConfig, fields: Record<string, unknown>): InjectorConfig {
  const fragment = structuredClone(config.template.fragment);
  const index = fragment.containers.findIndex((c) => c.name === config.template.sidecarName);
  fragment.containers[index] = { ...fragment.containers[index], ...structuredClone(fields), name: config.template.sidecarName };
  return { ...config, template: { ...config.template, fragment } };
}

/** The sidecar container as injected into a plain pod: the template's, with the release's image. */
export function expectedSidecar(config: InjectorConfig, native = false): Record<string, unknown> {
  const template = config.template.fragment.containers.find((c) => c.name === config.template.sidecarName);
  return { ...structuredClone(template), image: config.release.image, ...(native ? { restartPolicy: 'Always' } : {}) };
}

export function podRequest(pod: unknown, operation: Operation = 'CREATE', extra: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'test-uid',
    operation,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'default',
    object: pod,
    ...extra,
  };
}

/** Applies a patch the way the API server does: validated, to a copy of exactly the object sent. */
export function applyPatch<T>(object: T, patch: PatchOperation[]): T {
  const copy = structuredClone(object);
  const error = jsonPatch.validate(patch as jsonPatch.Operation[], copy);
  if (error) throw error;
  return jsonPatch.applyPatch(copy, structuredClone(patch) as jsonPatch.Operation[], true, false).newDocument;
}

export function decideAndApply(pod: unknown, config: InjectorConfig, operation: Operation = 'CREATE'): { decision: Decision; pod: any } {
  const decision = decide(podRequest(pod, operation), config);
  return { decision, pod: applyPatch(pod, decision.patch) };
}

/** Every container (regular and init) with the given name. */
export function containersNamed(pod: any, name: string): any[] {
  const all = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
  return all.filter((c) => c?.name === name);
}
