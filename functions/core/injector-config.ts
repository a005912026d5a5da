import type { JsonObject } from './types.ts';

/** Sidecar settings that come from static configuration (environment, stack props). */
export interface SidecarTemplate {
  /** Container name: also how an existing sidecar is recognised. */
  name: string;
  port: number;
  portName: string;
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
  };
  /** Further container fields the operator wants on the sidecar (env, args, securityContext, ...). */
  extra: JsonObject;
}

/** The values operators change at run time (from SSM, or the environment locally). */
export interface SidecarRelease {
  /** Recorded in the version annotation. */
  version: string;
  /** The full image reference the container runs (repository:version, or as configured). */
  image: string;
}

/** Everything the pure decision needs: static settings plus the current release. */
export interface InjectorConfig {
  annotationPrefix: string;
  sidecar: SidecarTemplate;
  release: SidecarRelease;
  /** On UPDATE, move an existing sidecar's image to the current release (never adds containers). */
  upgradeOnUpdate: boolean;
  /** Inject as the first init container with restartPolicy: Always (Kubernetes native sidecar). */
  nativeSidecar: boolean;
  skipHostNetwork: boolean;
  skipMirrorPods: boolean;
}

/** The configuration without the release: what is known before SSM answers. */
export type InjectorSettings = Omit<InjectorConfig, 'release'>;

export interface AnnotationKeys {
  status: string;
  version: string;
  inject: string;
}

export const STATUS_INJECTED = 'injected';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export function annotationKeys(prefix: string): AnnotationKeys {
  return { status: `${prefix}/status`, version: `${prefix}/version`, inject: `${prefix}/inject` };
}

/**
 * The fields of the sidecar container that the injector owns, as it wants them. The container's
 * other fields (added by hand, or defaulted by the API server) are left alone.
 */
export function desiredSidecarFields(config: InjectorConfig): JsonObject {
  const { sidecar, release } = config;
  return {
    ...sidecar.extra,
    name: sidecar.name,
    image: release.image,
    ports: [{ name: sidecar.portName, containerPort: sidecar.port }],
    resources: {
      requests: { ...sidecar.resources.requests },
      limits: { ...sidecar.resources.limits },
    },
  };
}
