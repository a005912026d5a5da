import type { CanaryRelease } from '../core/fleet/cohort.ts';
import type { SidecarRelease } from '../core/injector-config.ts';

/** Where the current sidecar version and image come from. */
export interface ReleaseSource {
  /** The release to inject now; `stale` when a refresh failed and the last good value is served. */
  current(): Promise<CurrentRelease>;
}

export interface CurrentRelease {
  release: SidecarRelease;
  /** A canary release for a share of the workloads, when one is configured. */
  canary?: CanaryRelease;
  stale: boolean;
}

/** No release has ever been loaded: the request cannot be answered (HTTP 503). */
export class ReleaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReleaseUnavailableError';
  }
}

/** A release fixed at start (from the environment): local use and tests. */
export function staticReleaseSource(release: SidecarRelease): ReleaseSource {
  const answer: CurrentRelease = { release, stale: false };
  return { current: async () => answer };
}
