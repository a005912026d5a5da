import { pointer } from './json-pointer.ts';
import type { SidecarTemplate } from './template/pod-fragment.ts';

/** The values operators change at run time (from SSM, or the environment locally). */
export interface SidecarRelease {
  /** Recorded in the version annotation; ordered as a semantic version for upgrades. */
  version: string;
  /** The full image reference the sidecar container runs (repository:version, or as configured). */
  image: string;
}

/**
 * Where the sidecar containers go: `auto` puts them among the init containers with
 * restartPolicy Always (Kubernetes native sidecars, 1.29+) in pods that run to completion
 * (restartPolicy Never or OnFailure), where a regular container would keep the pod from ever
 * finishing, and among the regular containers elsewhere; `always` and `never` do so in every pod.
 */
export type NativeSidecarMode = 'auto' | 'always' | 'never';

/** Everything the pure decision needs: static settings plus the current release. */
export interface InjectorConfig {
  annotationPrefix: string;
  template: SidecarTemplate;
  release: SidecarRelease;
  /** On UPDATE, move an older sidecar's image forward to the current release (never adds containers). */
  upgradeOnUpdate: boolean;
  nativeSidecar: NativeSidecarMode;
  skipHostNetwork: boolean;
  skipMirrorPods: boolean;
  /** Leave pods with spec.os.name windows alone; when false they get the sidecar without Linux-only security fields. */
  skipWindowsPods: boolean;
  /** In a Guaranteed pod, set the injected containers' requests to their limits so it stays Guaranteed. */
  keepGuaranteedQos: boolean;
}

/** The configuration without the release: what is known before SSM answers. */
export type InjectorSettings = Omit<InjectorConfig, 'release'>;

export interface AnnotationKeys {
  status: string;
  version: string;
  inject: string;
  /** JSON Pointers to the status and version annotations (escaped once, used on every injection). */
  statusPointer: string;
  versionPointer: string;
}

export const STATUS_INJECTED = 'injected';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const keysByPrefix = new Map<string, AnnotationKeys>();

/** The three keys for a prefix; built once per prefix (every review asks for them). */
export function annotationKeys(prefix: string): AnnotationKeys {
  let keys = keysByPrefix.get(prefix);
  if (!keys) {
    const status = `${prefix}/status`;
    const version = `${prefix}/version`;
    keys = Object.freeze({
      status,
      version,
      inject: `${prefix}/inject`,
      statusPointer: pointer('metadata', 'annotations', status),
      versionPointer: pointer('metadata', 'annotations', version),
    });
    if (keysByPrefix.size > 16) keysByPrefix.clear();
    keysByPrefix.set(prefix, keys);
  }
  return keys;
}
