import jsonPatch from 'fast-json-patch';
import { decide, type Decision } from '../../functions/core/decide.ts';
import type { InjectorConfig } from '../../functions/core/injector-config.ts';
import type { AdmissionRequest, Operation, PatchOperation } from '../../functions/core/types.ts';

/** Test helpers around the pure core: a default config, requests, and applying patches. */

export function testConfig(overrides: Partial<InjectorConfig> = {}): InjectorConfig {
  return {
    annotationPrefix: 'injector.my-company.com',
    sidecar: {
      name: 'my-sidecar',
      port: 8080,
      portName: 'http',
      resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
      extra: {},
    },
    release: { version: '1.2.1', image: 'my-org/my-sidecar:1.2.1' },
    upgradeOnUpdate: false,
    nativeSidecar: false,
    skipHostNetwork: true,
    skipMirrorPods: true,
    ...overrides,
  };
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
  return jsonPatch.applyPatch(copy, patch as jsonPatch.Operation[], true, false).newDocument;
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
