import type { Container, JsonObject } from '../types.ts';

/**
 * What is injected, as the operator writes it: a fragment of a core/v1 PodSpec. The container
 * of `containers` named by `sidecarName` is the sidecar: it takes its image from the release
 * (SSM or SIDECAR_IMAGE/SIDECAR_VERSION); every other item is injected as written.
 */
export interface PodFragment {
  /** Setup steps, injected first in the pod's initContainers, in this order. */
  initContainers: Container[];
  /** The sidecar and any other long-running helpers. */
  containers: Container[];
  volumes: JsonObject[];
  imagePullSecrets: JsonObject[];
}

export interface SidecarTemplate {
  /** The container of `fragment.containers` that takes the release's image. */
  sidecarName: string;
  fragment: PodFragment;
}

export const FRAGMENT_LISTS = ['initContainers', 'containers', 'volumes', 'imagePullSecrets'] as const;

export const DEFAULT_SIDECAR_NAME = 'my-sidecar';

/**
 * The built-in sidecar: one port, small requests and limits, and a security context that the
 * Pod Security `restricted` level admits (its four container rules), so the default never
 * makes a hardened namespace refuse a pod.
 */
export function defaultFragment(name: string = DEFAULT_SIDECAR_NAME): PodFragment {
  return {
    initContainers: [],
    containers: [
      {
        name,
        ports: [{ name: 'http', containerPort: 8080 }],
        resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    ],
    volumes: [],
    imagePullSecrets: [],
  };
}

/** Every container the template injects, init containers first, with the list it is written in. */
export function templateContainers(fragment: PodFragment): Array<{ container: Container; list: 'initContainers' | 'containers' }> {
  return [
    ...fragment.initContainers.map((container) => ({ container, list: 'initContainers' as const })),
    ...fragment.containers.map((container) => ({ container, list: 'containers' as const })),
  ];
}

/** The names of the containers a template injects: how the core tells them from the app's. */
export function templateContainerNames(fragment: PodFragment): Set<string> {
  return new Set(templateContainers(fragment).map(({ container }) => container.name));
}
