import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { parseCanary, type CanaryRelease } from '../core/fleet/cohort.ts';
import { resolveSidecarImage, sameImage } from '../core/image-reference.ts';
import type { SidecarRelease } from '../core/injector-config.ts';
import { ReleaseUnavailableError, type CurrentRelease, type ReleaseSource } from './release-source.ts';
import type { Verification, VerifyImage } from './release-verifier.ts';

/**
 * The release from two SSM parameters, read together in one GetParameters call and cached.
 *
 * - Fresh for `ttlMs`; after that the next request refreshes it, and requests that arrive
 *   meanwhile share that one call (single flight), so the account's SSM quota sees one call
 *   per TTL per container whatever the concurrency.
 * - When a refresh fails (throttled, unreachable, a parameter missing, or a value that does
 *   not validate) the last known good release keeps being served, marked stale, and SSM is
 *   not asked again before `retryMs` has passed.
 * - A request that finds the release due waits for the refresh at most `refreshWaitMs`; a slow
 *   SSM (answering after seconds, not down) then gets the last good release served, marked
 *   stale, while the refresh goes on, so admission never waits on SSM's latency beyond that.
 * - With no release ever loaded, `current()` rejects with ReleaseUnavailableError.
 *
 * Written by hand: @middy/ssm and Powertools' parameters utility both throw when a refresh
 * fails instead of serving the last good value.
 */

export interface SsmReleaseSourceOptions {
  client: Pick<SSMClient, 'send'>;
  versionParameter: string;
  imageParameter: string;
  /**
   * Optional third parameter holding a canary (`{"version": "1.4.0", "percent": 30}` or `none`),
   * read in the same GetParameters call; a missing parameter means no canary.
   */
  canaryParameter?: string;
  ttlMs: number;
  /** How long to wait after a failed refresh before asking SSM again (default: min(ttl, 5 s)). */
  retryMs?: number;
  withDecryption?: boolean;
  /**
   * Asks the image's registry whether a new release can be pulled on the nodes. A release (or
   * canary) that changed is served only once it passes; until then the previous one keeps being
   * served, and the refusal is reported. Once per release change: a pass is remembered, a
   * refusal for `reverifyMs` (default 60 s), so a release pushed late is picked up.
   */
  verify?: VerifyImage;
  reverifyMs?: number;
  /** How long a request waits for a due refresh before it is served the last good release (default 250 ms). */
  refreshWaitMs?: number;
  now?: () => number;
  /** Told about every refresh, so the shell can log and count. */
  onRefresh?: (event: RefreshEvent) => void;
}

export interface Refusal {
  version: string;
  image: string;
  reason: string;
  /** The stable release or the canary. */
  channel: 'stable' | 'canary';
}

export type RefreshEvent =
  | { ok: true; release: SidecarRelease; canary?: CanaryRelease; changed: boolean; refused?: Refusal[] }
  | { ok: false; error: string; servingStale: boolean };

export function ssmReleaseSource(options: SsmReleaseSourceOptions): ReleaseSource {
  const { client, versionParameter, imageParameter, canaryParameter, ttlMs } = options;
  const retryMs = options.retryMs ?? Math.min(ttlMs, 5_000);
  const refreshWaitMs = options.refreshWaitMs ?? 250;
  const now = options.now ?? Date.now;
  const listener = options.onRefresh;
  // A failing listener (logging, metrics) must never turn a good refresh into a failure.
  const onRefresh = (event: RefreshEvent): void => {
    try {
      listener?.(event);
    } catch {
      // Nothing to do: the listener is the only place we could have reported it.
    }
  };

  let good: { release: SidecarRelease; canary?: CanaryRelease; fetchedAt: number } | undefined;
  const verdicts = new Map<string, { result: Verification; at: number }>();
  const reverifyMs = options.reverifyMs ?? 60_000;

  async function verdict(image: string): Promise<Verification> {
    if (!options.verify) return { ok: true, platforms: [] };
    const known = verdicts.get(image);
    if (known && (known.result.ok || now() - known.at < reverifyMs)) return known.result;
    const result = await options.verify(image);
    verdicts.set(image, { result, at: now() });
    return result;
  }

  /** The fetched release and canary, each replaced by what was served before when its registry refuses it. */
  async function vet(fetched: { release: SidecarRelease; canary?: CanaryRelease }) {
    const refused: Refusal[] = [];
    let release = fetched.release;
    if (!good || !sameRelease(good.release, release)) {
      const result = await verdict(release.image);
      if (!result.ok) {
        refused.push({ ...release, reason: result.reason, channel: 'stable' });
        if (!good) throw new Error(`release ${release.version} refused and no earlier release to serve: ${result.reason}`);
        release = good.release;
      }
    }
    let canary = fetched.canary;
    if (canary && !(good?.canary && sameRelease(good.canary.release, canary.release))) {
      const result = await verdict(canary.release.image);
      if (!result.ok) {
        refused.push({ ...canary.release, reason: result.reason, channel: 'canary' });
        canary = good?.canary;
      }
    }
    return { release, refused, ...(canary ? { canary } : {}) };
  }
  let lastError = 'no attempt yet';
  let nextAttemptAt = 0;
  let inFlight: Promise<void> | undefined;

  async function load(): Promise<void> {
    try {
      const { release, canary, refused } = await vet(await fetchRelease());
      const changed = !good || JSON.stringify([good.release, good.canary]) !== JSON.stringify([release, canary]);
      good = { release, fetchedAt: now(), ...(canary ? { canary } : {}) };
      nextAttemptAt = 0;
      onRefresh({ ok: true, release, changed, ...(canary ? { canary } : {}), ...(refused.length > 0 ? { refused } : {}) });
    } catch (error) {
      lastError = describeError(error);
      nextAttemptAt = now() + retryMs;
      onRefresh({ ok: false, error: lastError, servingStale: good !== undefined });
    }
  }

  async function fetchRelease(): Promise<{ release: SidecarRelease; canary?: CanaryRelease }> {
    const names = canaryParameter ? [versionParameter, imageParameter, canaryParameter] : [versionParameter, imageParameter];
    const output = await client.send(new GetParametersCommand({ Names: names, WithDecryption: options.withDecryption ?? false }));
    const invalid = (output.InvalidParameters ?? []).filter((name) => name !== canaryParameter);
    if (invalid.length > 0) {
      throw new Error(`SSM parameter(s) not found: ${invalid.join(', ')}`);
    }
    const value = (name: string): string => {
      const parameter = output.Parameters?.find((p) => p.Name === name || p.ARN === name);
      if (parameter?.Value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return parameter.Value.trim();
    };
    const version = value(versionParameter);
    const imageValue = value(imageParameter);
    const resolved = resolveSidecarImage(imageValue, version);
    if ('error' in resolved) throw new Error(`SSM values rejected: ${resolved.error}`);
    const release = { version, image: resolved.image };
    if (!canaryParameter || output.InvalidParameters?.includes(canaryParameter)) return { release };
    const read = parseCanary(value(canaryParameter));
    if ('error' in read) throw new Error(`SSM canary ${canaryParameter} rejected: ${read.error}`);
    if (!read.canary) return { release };
    const canaryImage = resolveSidecarImage(read.canary.image ?? imageValue, read.canary.version);
    if ('error' in canaryImage) throw new Error(`SSM canary ${canaryParameter} rejected: ${canaryImage.error}`);
    if (read.canary.version !== version && sameImage(canaryImage.image, release.image)) {
      throw new Error(`SSM canary ${canaryParameter} rejected: the image parameter pins a tag or digest, so the canary needs its own "image"`);
    }
    return { release, canary: { release: { version: read.canary.version, image: canaryImage.image }, percent: read.canary.percent } };
  }

  return {
    async current(): Promise<CurrentRelease> {
      if (good && now() - good.fetchedAt < ttlMs) return served(good, false);
      if (now() >= nextAttemptAt) {
        inFlight ??= load().finally(() => {
          inFlight = undefined;
        });
      }
      if (inFlight) await (good ? withinBudget(inFlight, refreshWaitMs) : inFlight);
      if (good) return served(good, now() - good.fetchedAt >= ttlMs);
      throw new ReleaseUnavailableError(`sidecar release not loaded from SSM (${versionParameter}, ${imageParameter}): ${lastError}`);
    },
  };
}

function sameRelease(a: SidecarRelease, b: SidecarRelease): boolean {
  return a.version === b.version && a.image === b.image;
}

/** Waits for `refresh`, or for `ms` if that is sooner; never rejects (load() reports its own failures). */
function withinBudget(refresh: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([refresh, budget]).finally(() => clearTimeout(timer));
}

function served(good: { release: SidecarRelease; canary?: CanaryRelease }, stale: boolean): CurrentRelease {
  return good.canary ? { release: good.release, canary: good.canary, stale } : { release: good.release, stale };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}
