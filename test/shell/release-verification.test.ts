import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReleaseUnavailableError } from '../../functions/shell/release-source.ts';
import type { Verification } from '../../functions/shell/release-verifier.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { ssmReleaseSource, type RefreshEvent } from '../../functions/shell/ssm-release-source.ts';
import { createTelemetry } from '../../functions/shell/telemetry.ts';
import { manualClock } from '../support/deferred.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';
import { captureOutput } from '../support/output-capture.ts';

// How the release source uses the registry check (issue 11, part 0): once per release change,
// never per review; a refused release leaves the previous one served and says why; a refusal is
// asked again only after a while; a first release that is refused serves nothing. The registry
// is a recording function here; the real registries are in test/e2e/release-verify.e2e.test.ts.

const TTL = 30_000;
let ssm: FakeSsm;
let client: SSMClient;

beforeAll(async () => {
  ssm = await startFakeSsm();
  client = new SSMClient({ region: TEST_REGION, endpoint: ssm.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await ssm.close();
});
beforeEach(() => {
  ssm.parameters.clear();
  ssm.parameters.set('/v', '1.0.0');
  ssm.parameters.set('/i', 'registry.example/sidecar');
});

/** A registry that has the images in `pushed`, and records every question. */
function registry(pushed: Set<string>) {
  const asked: string[] = [];
  const verify = async (image: string): Promise<Verification> => {
    asked.push(image);
    return pushed.has(image) ? { ok: true, platforms: ['linux/amd64'] } : { ok: false, reason: `${image} not found in its registry (manifest unknown)` };
  };
  return { asked, verify };
}

function source(verify: (image: string) => Promise<Verification>, canaryParameter?: string) {
  const clock = manualClock();
  const events: RefreshEvent[] = [];
  const release = ssmReleaseSource({ client, versionParameter: '/v', imageParameter: '/i', ...(canaryParameter ? { canaryParameter } : {}), ttlMs: TTL, now: clock.now, verify, onRefresh: (e) => events.push(e) });
  return { release, clock, events };
}

describe('a verified release source', () => {
  it('asks the registry once per release change, whatever the number of reviews and refreshes', async () => {
    const reg = registry(new Set(['registry.example/sidecar:1.0.0', 'registry.example/sidecar:1.1.0']));
    const { release, clock } = source(reg.verify);
    for (let i = 0; i < 20; i++) await release.current();
    clock.advance(TTL);
    await release.current();
    clock.advance(TTL);
    await release.current();
    expect(reg.asked).toEqual(['registry.example/sidecar:1.0.0']);
    ssm.parameters.set('/v', '1.1.0');
    clock.advance(TTL);
    expect((await release.current()).release.version).toBe('1.1.0');
    expect(reg.asked).toEqual(['registry.example/sidecar:1.0.0', 'registry.example/sidecar:1.1.0']);
  });

  it('keeps serving the previous release when the new one is refused, and reports the refusal each refresh', async () => {
    const reg = registry(new Set(['registry.example/sidecar:1.0.0']));
    const { release, clock, events } = source(reg.verify);
    await release.current();
    ssm.parameters.set('/v', '9.9.9');
    clock.advance(TTL);
    expect(await release.current()).toEqual({ release: { version: '1.0.0', image: 'registry.example/sidecar:1.0.0' }, stale: false });
    expect(events.at(-1)).toMatchObject({
      ok: true,
      changed: false,
      refused: [{ version: '9.9.9', image: 'registry.example/sidecar:9.9.9', channel: 'stable', reason: 'registry.example/sidecar:9.9.9 not found in its registry (manifest unknown)' }],
    });
    clock.advance(TTL);
    await release.current();
    expect(events.at(-1)).toMatchObject({ refused: [{ version: '9.9.9' }] });
    // Remembered for a minute: the second refresh did not ask the registry again.
    expect(reg.asked.filter((i) => i.endsWith(':9.9.9'))).toHaveLength(1);
  });

  it('asks again about a refused release after a minute, so a late push is picked up', async () => {
    const pushed = new Set(['registry.example/sidecar:1.0.0']);
    const reg = registry(pushed);
    const { release, clock } = source(reg.verify);
    await release.current();
    ssm.parameters.set('/v', '1.2.0');
    clock.advance(TTL);
    expect((await release.current()).release.version).toBe('1.0.0');
    pushed.add('registry.example/sidecar:1.2.0');
    clock.advance(TTL);
    expect((await release.current()).release.version).toBe('1.0.0');
    clock.advance(TTL);
    expect((await release.current()).release.version).toBe('1.2.0');
    expect(reg.asked.filter((i) => i.endsWith(':1.2.0'))).toHaveLength(2);
  });

  it('serves nothing when the first release it ever reads is refused (503, as when SSM never answered)', async () => {
    const { release, events } = source(registry(new Set()).verify);
    await expect(release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(events).toEqual([{ ok: false, servingStale: false, error: expect.stringContaining('release 1.0.0 refused and no earlier release to serve') }]);
  });

  it('a refused canary is not served; the stable release is unaffected', async () => {
    ssm.parameters.set('/c', '{"version":"2.0.0","percent":50}');
    const { release, events } = source(registry(new Set(['registry.example/sidecar:1.0.0'])).verify, '/c');
    expect(await release.current()).toEqual({ release: { version: '1.0.0', image: 'registry.example/sidecar:1.0.0' }, stale: false });
    expect(events.at(-1)).toMatchObject({ refused: [{ channel: 'canary', version: '2.0.0' }] });
  });
});

describe('telemetry of a refusal', () => {
  it('logs an error with the reason and what is served, and counts ReleaseRefused', () => {
    const output = captureOutput();
    try {
      const telemetry = createTelemetry({ POWERTOOLS_METRICS_DISABLED: 'false' });
      telemetry.releaseRefreshed({ ok: true, changed: false, release: { version: '1.0.0', image: 'r:1.0.0' }, refused: [{ version: '9', image: 'r:9', channel: 'stable', reason: 'r:9 not found' }] });
      telemetry.metrics.publishStoredMetrics();
      const line = output.records().find((r) => String(r.message).startsWith('sidecar release refused'));
      expect(line).toMatchObject({ level: 'ERROR', message: 'sidecar release refused, not served: r:9 not found', serving: { version: '1.0.0' } });
      const metrics = output.records().filter((r) => r._aws !== undefined).flatMap((r) => (r._aws as any).CloudWatchMetrics.flatMap((m: any) => m.Metrics.map((x: any) => x.Name)));
      expect(metrics).toContain('ReleaseRefused');
    } finally {
      output.restore();
    }
  });
});

describe('RELEASE_VERIFY and RELEASE_PLATFORMS', () => {
  const ssmEnv = { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: '/i', AWS_REGION: 'eu-west-1' };
  it('turn verification on for the SSM release', () => {
    expect(settingsFromEnv({ ...ssmEnv, RELEASE_VERIFY: 'true', RELEASE_PLATFORMS: 'linux/amd64,linux/arm64' }).release).toMatchObject({
      verify: { platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] },
    });
    expect(settingsFromEnv(ssmEnv).release).not.toHaveProperty('verify');
  });
  it.each([
    [{ ...ssmEnv, RELEASE_VERIFY: 'true', RELEASE_PLATFORMS: 'amd64' }, 'RELEASE_PLATFORMS: "amd64" is not a platform'],
    [{ ...ssmEnv, RELEASE_PLATFORMS: 'linux/amd64' }, 'RELEASE_PLATFORMS is set but RELEASE_VERIFY is not true'],
    [{ RELEASE_VERIFY: 'true' }, 'RELEASE_VERIFY checks releases read from SSM'],
  ])('refuse %j', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
