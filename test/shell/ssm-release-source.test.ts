import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReleaseUnavailableError } from '../../functions/shell/release-source.ts';
import { createSsmClient } from '../../functions/shell/ssm-client.ts';
import { ssmReleaseSource, type RefreshEvent, type SsmReleaseSourceOptions } from '../../functions/shell/ssm-release-source.ts';
import { manualClock } from '../support/deferred.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';

// The real SDK client over real HTTP to a local GetParameters endpoint; time is an injected clock.

const VERSION = '/sidecar/version';
const IMAGE = '/sidecar/image';
const TTL = 30_000;
const RETRY = 5_000;

let ssm: FakeSsm;
let client: SSMClient;

beforeAll(async () => {
  ssm = await startFakeSsm();
  // One attempt per send, so every GetParameters the source makes is exactly one HTTP call.
  client = new SSMClient({ region: TEST_REGION, endpoint: ssm.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

beforeEach(() => {
  ssm.calls.length = 0;
  ssm.queue.length = 0;
  ssm.behaviour = { kind: 'ok' };
  ssm.parameters.clear();
  ssm.parameters.set(VERSION, '1.4.0');
  ssm.parameters.set(IMAGE, 'registry.example.com/my-org/my-sidecar');
});

function source(overrides: Partial<SsmReleaseSourceOptions> = {}) {
  const clock = manualClock();
  const events: RefreshEvent[] = [];
  const release = ssmReleaseSource({
    client,
    versionParameter: VERSION,
    imageParameter: IMAGE,
    ttlMs: TTL,
    retryMs: RETRY,
    now: clock.now,
    onRefresh: (event) => events.push(event),
    ...overrides,
  });
  return { release, clock, events };
}

const GOOD = { version: '1.4.0', image: 'registry.example.com/my-org/my-sidecar:1.4.0' };

describe('ssmReleaseSource with the real SSM client', () => {
  it('reads both parameters in one signed GetParameters call over the JSON 1.1 protocol', async () => {
    const { release, events } = source();
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: false });
    expect(ssm.calls).toHaveLength(1);
    const call = ssm.calls[0]!;
    expect(call.target).toBe('AmazonSSM.GetParameters');
    expect(call.contentType).toBe('application/x-amz-json-1.1');
    expect(call.signed).toBe(true);
    expect(call.names).toEqual([VERSION, IMAGE]);
    expect(call.withDecryption).toBe(false);
    expect(events).toEqual([{ ok: true, release: GOOD, changed: true }]);
  });

  it('keeps serving when the refresh listener throws (logging must never break admission)', async () => {
    const { release } = source({
      onRefresh: () => {
        throw new Error('listener broke');
      },
    });
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: false });
  });

  it('passes WithDecryption when asked', async () => {
    const { release } = source({ withDecryption: true });
    await release.current();
    expect(ssm.calls[0]?.withDecryption).toBe(true);
  });

  it('uses an image reference that already has a tag or digest as it is', async () => {
    ssm.parameters.set(IMAGE, 'my-org/my-sidecar@sha256:' + 'a'.repeat(64));
    const { release } = source();
    expect((await release.current()).release).toEqual({ version: '1.4.0', image: 'my-org/my-sidecar@sha256:' + 'a'.repeat(64) });
  });

  it('trims white space around the stored values', async () => {
    ssm.parameters.set(VERSION, ' 1.5.0\n');
    ssm.parameters.set(IMAGE, '  my-org/my-sidecar ');
    const { release } = source();
    expect((await release.current()).release).toEqual({ version: '1.5.0', image: 'my-org/my-sidecar:1.5.0' });
  });

  it('makes one call per TTL and a new one once the TTL has passed', async () => {
    const { release, clock, events } = source();
    for (let i = 0; i < 5; i++) await release.current();
    expect(ssm.calls).toHaveLength(1);

    clock.advance(TTL - 1);
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: false });
    expect(ssm.calls).toHaveLength(1);

    ssm.parameters.set(VERSION, '1.5.0');
    clock.advance(1);
    await expect(release.current()).resolves.toEqual({
      release: { version: '1.5.0', image: 'registry.example.com/my-org/my-sidecar:1.5.0' },
      stale: false,
    });
    expect(ssm.calls).toHaveLength(2);
    for (let i = 0; i < 5; i++) await release.current();
    expect(ssm.calls).toHaveLength(2);
    expect(events.map((e) => e.ok && e.changed)).toEqual([true, true]);
  });

  it('reports an unchanged refresh as not changed', async () => {
    const { release, clock, events } = source();
    await release.current();
    clock.advance(TTL);
    await release.current();
    expect(events).toEqual([
      { ok: true, release: GOOD, changed: true },
      { ok: true, release: GOOD, changed: false },
    ]);
  });

  it('shares one in-flight GetParameters among many concurrent first requests', async () => {
    const { release } = source();
    const open = ssm.hold();
    const pending = Array.from({ length: 50 }, () => release.current());
    await ssm.waitForCalls(1);
    open();
    const results = await Promise.all(pending);
    expect(ssm.calls).toHaveLength(1);
    for (const result of results) expect(result).toEqual({ release: GOOD, stale: false });
  });

  it('shares one in-flight refresh among concurrent requests after the TTL', async () => {
    // A budget far above the hold, so every request waits for the refresh (see refreshWaitMs below).
    const { release, clock } = source({ refreshWaitMs: 60_000 });
    await release.current();
    clock.advance(TTL);
    ssm.parameters.set(VERSION, '2.0.0');
    const open = ssm.hold();
    const pending = Array.from({ length: 20 }, () => release.current());
    await ssm.waitForCalls(2);
    open();
    const results = await Promise.all(pending);
    expect(ssm.calls).toHaveLength(2);
    expect(new Set(results.map((r) => r.release.version))).toEqual(new Set(['2.0.0']));
  });

  it('serves the last good release, marked stale, when a due refresh is slower than refreshWaitMs, then the new one', async () => {
    const { release, clock } = source({ refreshWaitMs: 20 });
    await release.current();
    clock.advance(TTL);
    ssm.parameters.set(VERSION, '2.0.0');
    const open = ssm.hold();
    // SSM has not answered: the request does not wait for it beyond the budget.
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
    expect(ssm.calls).toHaveLength(2);
    open();
    await ssm.waitForCalls(2);
    await expect.poll(async () => (await release.current()).release.version).toBe('2.0.0');
    expect(ssm.calls).toHaveLength(2);
  });

  it('waits for the first load however long it takes (there is nothing else to serve)', async () => {
    const { release } = source({ refreshWaitMs: 1 });
    const open = ssm.hold();
    const pending = release.current();
    await ssm.waitForCalls(1);
    open();
    await expect(pending).resolves.toEqual({ release: GOOD, stale: false });
  });

  it('rejects with ReleaseUnavailableError when no value was ever loaded, and names the cause', async () => {
    ssm.behaviour = { kind: 'throttle' };
    const { release, events } = source();
    const error = await release.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseUnavailableError);
    expect((error as Error).message).toContain(VERSION);
    expect((error as Error).message).toContain('ThrottlingException');
    expect(events).toEqual([{ ok: false, error: expect.stringContaining('Rate exceeded'), servingStale: false }]);
  });

  it('shares one failing in-flight call: all concurrent first requests get ReleaseUnavailableError', async () => {
    const { release } = source();
    ssm.queue.push({ kind: 'throttle' });
    const open = ssm.hold();
    const pending = Array.from({ length: 10 }, () => release.current().then(() => 'resolved', (e: unknown) => e));
    await ssm.waitForCalls(1);
    open();
    const outcomes = await Promise.all(pending);
    expect(ssm.calls).toHaveLength(1);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(ReleaseUnavailableError);
  });

  for (const [label, behaviour, expected] of [
    ['throttled (ThrottlingException)', { kind: 'throttle' }, 'ThrottlingException'],
    ['failing with HTTP 500', { kind: 'server-error' }, 'InternalServerError'],
  ] as const) {
    it(`keeps serving the last known good release, marked stale, when a refresh is ${label}`, async () => {
      const { release, clock, events } = source();
      await release.current();
      clock.advance(TTL);
      ssm.behaviour = behaviour;
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
      expect(ssm.calls).toHaveLength(2);
      expect(events[1]).toEqual({ ok: false, error: expect.stringContaining(expected), servingStale: true });
    });
  }

  it('waits retryMs after a failed refresh before asking SSM again, serving stale meanwhile', async () => {
    const { release, clock, events } = source();
    await release.current();
    clock.advance(TTL);
    ssm.behaviour = { kind: 'throttle' };
    await release.current();
    expect(ssm.calls).toHaveLength(2);

    for (let i = 0; i < 10; i++) {
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
    }
    clock.advance(RETRY - 1);
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
    expect(ssm.calls).toHaveLength(2);
    expect(events.filter((e) => !e.ok)).toHaveLength(1);

    clock.advance(1);
    await release.current();
    expect(ssm.calls).toHaveLength(3);
  });

  it('waits retryMs after a failure even when nothing was ever loaded', async () => {
    ssm.behaviour = { kind: 'server-error' };
    const { release, clock } = source();
    await expect(release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    clock.advance(RETRY - 1);
    await expect(release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(ssm.calls).toHaveLength(1);
    clock.advance(1);
    ssm.behaviour = { kind: 'ok' };
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: false });
    expect(ssm.calls).toHaveLength(2);
  });

  it('defaults retryMs to min(ttl, 5 s)', async () => {
    const short = source({ ttlMs: 2_000, retryMs: undefined });
    ssm.behaviour = { kind: 'throttle' };
    await expect(short.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    short.clock.advance(1_999);
    await expect(short.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(ssm.calls).toHaveLength(1);
    short.clock.advance(1);
    await expect(short.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(ssm.calls).toHaveLength(2);

    ssm.calls.length = 0;
    const long = source({ ttlMs: 60_000, retryMs: undefined });
    await expect(long.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    long.clock.advance(4_999);
    await expect(long.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(ssm.calls).toHaveLength(1);
    long.clock.advance(1);
    await expect(long.release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
    expect(ssm.calls).toHaveLength(2);
  });

  it('recovers after failures: the next good value is served fresh and replaces the old one', async () => {
    const { release, clock, events } = source();
    await release.current();
    clock.advance(TTL);
    ssm.behaviour = { kind: 'throttle' };
    await expect(release.current()).resolves.toMatchObject({ stale: true });
    clock.advance(RETRY);
    await expect(release.current()).resolves.toMatchObject({ stale: true });
    ssm.behaviour = { kind: 'ok' };
    ssm.parameters.set(VERSION, '1.6.0');
    clock.advance(RETRY);
    await expect(release.current()).resolves.toEqual({
      release: { version: '1.6.0', image: 'registry.example.com/my-org/my-sidecar:1.6.0' },
      stale: false,
    });
    expect(ssm.calls).toHaveLength(4);
    expect(events.map((e) => e.ok)).toEqual([true, false, false, true]);
    // Fresh again: one call per TTL from the recovery on.
    clock.advance(TTL - 1);
    await release.current();
    expect(ssm.calls).toHaveLength(4);
  });

  const invalid: Array<[string, Record<string, string>, string]> = [
    ['an empty version', { [VERSION]: '' }, 'version is empty'],
    ['a blank version', { [VERSION]: '   ' }, 'version is empty'],
    ['a version that is not a tag', { [VERSION]: '1.2.3 beta' }, 'not a valid image tag'],
    ['a version starting with -', { [VERSION]: '-1' }, 'not a valid image tag'],
    ['an image with upper-case repository', { [IMAGE]: 'my-org/My-Sidecar' }, 'invalid repository'],
    ['an image with a bad tag', { [IMAGE]: 'my-org/my-sidecar:bad tag' }, 'invalid tag'],
    ['an image with a bad digest', { [IMAGE]: 'my-org/my-sidecar@sha256:xyz' }, 'invalid digest'],
    ['an empty image', { [IMAGE]: '' }, 'empty'],
  ];
  for (const [label, values, message] of invalid) {
    it(`never replaces the good release with ${label}`, async () => {
      const { release, clock, events } = source();
      await release.current();
      for (const [name, value] of Object.entries(values)) ssm.parameters.set(name, value);
      clock.advance(TTL);
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
      expect(events[1]).toEqual({ ok: false, error: expect.stringContaining(message), servingStale: true });
      // And it is rejected as the first value too.
      const fresh = source();
      await expect(fresh.release.current()).rejects.toThrow(message);
    });
  }

  it('treats a missing parameter (InvalidParameters) as a failed refresh', async () => {
    const { release, clock, events } = source();
    await release.current();
    ssm.parameters.delete(IMAGE);
    clock.advance(TTL);
    await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
    expect(events[1]).toEqual({ ok: false, error: expect.stringContaining(`not found: ${IMAGE}`), servingStale: true });

    const never = source();
    const error = await never.release.current().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReleaseUnavailableError);
    expect((error as Error).message).toContain(IMAGE);
  });

  it('answers ReleaseUnavailableError when SSM cannot be reached at all', async () => {
    const closed = await startFakeSsm();
    const url = closed.url;
    await closed.close();
    const unreachable = new SSMClient({ region: TEST_REGION, endpoint: url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const { release, events } = source({ client: unreachable });
      await expect(release.current()).rejects.toBeInstanceOf(ReleaseUnavailableError);
      expect(events).toEqual([{ ok: false, error: expect.any(String), servingStale: false }]);
    } finally {
      unreachable.destroy();
    }
  });
});

describe('createSsmClient (the client the function really uses)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('finds the endpoint in AWS_ENDPOINT_URL_SSM and credentials in the environment', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', '');
    const real = createSsmClient(TEST_REGION);
    try {
      const { release } = source({ client: real });
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: false });
      expect(ssm.calls).toHaveLength(1);
      expect(ssm.calls[0]?.signed).toBe(true);
    } finally {
      real.destroy();
    }
  });

  it('retries a throttled call once inside the SDK, then the source serves last known good', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.url);
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    const real = createSsmClient(TEST_REGION);
    try {
      const { release, clock, events } = source({ client: real });
      await release.current();
      clock.advance(TTL);
      ssm.behaviour = { kind: 'throttle' };
      // The SDK's retry backs off longer than a request waits for a refresh: served stale at once.
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
      // maxAttempts: 2 -> one refresh costs at most two calls against the account's quota.
      await expect.poll(() => events.length).toBe(2);
      expect(events[1]).toMatchObject({ ok: false, servingStale: true });
      expect(ssm.calls).toHaveLength(3);
      await expect(release.current()).resolves.toEqual({ release: GOOD, stale: true });
      expect(ssm.calls).toHaveLength(3);
    } finally {
      real.destroy();
    }
  });
});
