import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCohort, cohortBucket, cohortKey, parseCanary, type ReleaseChannels } from '../../functions/core/fleet/cohort.ts';
import { staticReleaseSource } from '../../functions/shell/release-source.ts';
import { createReviewService } from '../../functions/shell/review-service.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { ssmReleaseSource } from '../../functions/shell/ssm-release-source.ts';
import { createTelemetry } from '../../functions/shell/telemetry.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';
import { applyAnswer, podReview } from '../support/reviews.ts';

// Canary cohorts (issue 11, part 3): by workload, never by pod; stable across restarts; monotonic
// in the percentage; pinned by annotation; read with the release in one GetParameters.

const PREFIX = 'injector.my-company.com';
const stable = { version: '1.3.0', image: 'registry.example/my-sidecar:1.3.0' };
const canaryRelease = { version: '1.4.0', image: 'registry.example/my-sidecar:1.4.0' };
const channels = (percent: number): ReleaseChannels => ({ stable, canary: { release: canaryRelease, percent } });

/** A pod of Deployment `name` as its ReplicaSet for template hash `hash` makes it. */
function deploymentPod(name: string, hash: string, index = 0, annotations?: Record<string, string>): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-${hash}-`,
      labels: { app: name, 'pod-template-hash': hash, 'sidecar-injection': 'enabled' },
      ...(annotations ? { annotations } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}`, uid: `u${index}`, controller: true }],
    },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
  };
}

const workloads = Array.from({ length: 1000 }, (_, i) => `svc-${i}`);
const inCanary = (percent: number) => workloads.filter((w) => chooseCohort(deploymentPod(w, 'aaaa1111'), 'shop', channels(percent), PREFIX).cohort === 'canary');

describe('cohorts', () => {
  it('hash the key with FNV-1a 32 (the published test vectors), modulo 100', () => {
    // http://www.isthe.com/chongo/tech/comp/fnv/ : FNV-1a 32 of "a" is 0xe40c292c, of "foobar" 0xbf9cf968.
    expect(cohortBucket('a')).toBe(0xe40c292c % 100);
    expect(cohortBucket('foobar')).toBe(0xbf9cf968 % 100);
  });

  it('key a Deployment\'s pods by the Deployment, whatever the ReplicaSet, so a restart keeps the cohort', () => {
    expect(cohortKey(deploymentPod('web', '6b8f7c9d5'), 'shop')).toBe('shop/Deployment/web');
    const before = chooseCohort(deploymentPod('web', '6b8f7c9d5', 1), 'shop', channels(50), PREFIX);
    for (const hash of ['7c9d5b8f6', 'deadbeef0', '1234abcd']) {
      for (const index of [1, 2, 3]) expect(chooseCohort(deploymentPod('web', hash, index), 'shop', channels(50), PREFIX).cohort).toBe(before.cohort);
    }
    // The same name in another namespace is another workload.
    expect(cohortKey(deploymentPod('web', 'x'), 'other')).toBe('other/Deployment/web');
  });

  it('put about the percentage of workloads in the canary, and only add workloads as it grows', () => {
    const at10 = inCanary(10);
    const at30 = inCanary(30);
    expect(at30.length).toBeGreaterThan(250);
    expect(at30.length).toBeLessThan(350);
    expect(at10.every((w) => at30.includes(w))).toBe(true);
    expect(inCanary(0)).toEqual([]);
    expect(inCanary(100)).toHaveLength(1000);
  });

  it('follow the pin annotation either way, and fall back to stable without a canary', () => {
    const pinned = (value: string) => deploymentPod('web', 'h', 0, { [`${PREFIX}/cohort`]: value });
    expect(chooseCohort(pinned('canary'), 'shop', channels(0), PREFIX)).toMatchObject({ cohort: 'canary', release: canaryRelease, reason: 'pinned' });
    expect(chooseCohort(pinned('stable'), 'shop', channels(100), PREFIX)).toMatchObject({ cohort: 'stable', release: stable, reason: 'pinned' });
    expect(chooseCohort(pinned('canary'), 'shop', { stable }, PREFIX)).toMatchObject({ cohort: 'stable', release: stable });
  });
});

describe('parseCanary', () => {
  it('reads JSON, or none/off for no canary', () => {
    expect(parseCanary('{"version":"1.4.0","percent":30}')).toEqual({ canary: { version: '1.4.0', percent: 30 } });
    expect(parseCanary('{"version":"1.4.0","percent":5,"image":"ghcr.io/x/y"}')).toEqual({ canary: { version: '1.4.0', percent: 5, image: 'ghcr.io/x/y' } });
    expect(parseCanary('none')).toEqual({});
    expect(parseCanary(' OFF ')).toEqual({});
  });

  it.each([
    ['1.4.0', 'not JSON'],
    ['{"version":"1.4.0"}', 'percent must be a whole number'],
    ['{"version":"1.4.0","percent":101}', 'percent must be a whole number from 0 to 100'],
    ['{"version":"1.4.0","percent":2.5}', 'percent must be a whole number'],
    ['{"percent":10}', 'canary.version'],
    ['{"version":"1.4.0","percent":10,"weight":3}', 'unknown field(s) weight'],
  ])('refuses %s', (text, message) => {
    expect(parseCanary(text)).toEqual({ error: expect.stringContaining(message) });
  });
});

describe('the canary from SSM', () => {
  let ssm: FakeSsm;
  let client: SSMClient;
  beforeAll(async () => {
    ssm = await startFakeSsm({ '/v': '1.3.0', '/i': 'registry.example/my-sidecar', '/c': '{"version":"1.4.0","percent":30}' });
    client = new SSMClient({ region: TEST_REGION, endpoint: ssm.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await ssm.close();
  });
  const source = () => ssmReleaseSource({ client, versionParameter: '/v', imageParameter: '/i', canaryParameter: '/c', ttlMs: 60_000 });

  it('is read in the same single GetParameters call, its image the repository at the canary version', async () => {
    const before = ssm.calls.length;
    expect(await source().current()).toEqual({ release: stable, canary: { release: canaryRelease, percent: 30 }, stale: false });
    expect(ssm.calls.slice(before).map((c) => c.names)).toEqual([['/v', '/i', '/c']]);
  });

  it('is optional: a missing canary parameter, or "none", is no canary', async () => {
    ssm.parameters.delete('/c');
    expect(await source().current()).toEqual({ release: stable, stale: false });
    ssm.parameters.set('/c', 'none');
    expect(await source().current()).toEqual({ release: stable, stale: false });
  });

  it('a bad canary fails the refresh like a bad version: nothing is served from it', async () => {
    ssm.parameters.set('/c', '{"version":"1.4.0","percent":"lots"}');
    await expect(source().current()).rejects.toThrow(/SSM canary \/c rejected: canary.percent/);
    ssm.parameters.set('/c', '{"version":"1.4.0","percent":30}');
    ssm.parameters.set('/i', 'registry.example/my-sidecar:pinned');
    await expect(source().current()).rejects.toThrow(/the canary needs its own "image"/);
    ssm.parameters.set('/i', 'registry.example/my-sidecar');
  });
});

describe('the webhook with a canary', () => {
  const service = createReviewService({
    settings: settingsFromEnv({}),
    releaseSource: { current: async () => ({ release: stable, canary: { release: canaryRelease, percent: 30 }, stale: false }) },
    telemetry: createTelemetry({ POWERTOOLS_LOG_LEVEL: 'SILENT' }),
  });

  async function injectedImage(pod: any): Promise<string> {
    const answer = await service.handle({ method: 'POST', path: '/mutate', body: Buffer.from(JSON.stringify(podReview(pod, 'CREATE', { namespace: 'shop' }))) });
    const patched = applyAnswer(pod, JSON.parse(answer.body));
    return patched.spec.containers.find((c: any) => c.name === 'my-sidecar').image;
  }

  it('gives every pod of a workload its cohort\'s release, on every restart', async () => {
    const canaryWorkload = workloads.find((w) => inCanary(30).includes(w)) as string;
    const stableWorkload = workloads.find((w) => !inCanary(30).includes(w)) as string;
    for (const hash of ['aaaa1111', 'bbbb2222']) {
      expect(await injectedImage(deploymentPod(canaryWorkload, hash))).toBe(canaryRelease.image);
      expect(await injectedImage(deploymentPod(stableWorkload, hash))).toBe(stable.image);
    }
  });

  it('without a canary, the stable release as before', async () => {
    const plain = createReviewService({ settings: settingsFromEnv({}), releaseSource: staticReleaseSource(stable), telemetry: createTelemetry({ POWERTOOLS_LOG_LEVEL: 'SILENT' }) });
    const answer = await plain.handle({ method: 'POST', path: '/mutate', body: Buffer.from(JSON.stringify(podReview(deploymentPod('web', 'h')))) });
    expect(applyAnswer(deploymentPod('web', 'h'), JSON.parse(answer.body)).spec.containers[1].image).toBe(stable.image);
  });
});

describe('SSM_CANARY_PARAMETER', () => {
  const ssm = { SSM_VERSION_PARAMETER: '/v', SSM_IMAGE_PARAMETER: '/i', AWS_REGION: 'eu-west-1' };
  it('is read with the release parameters', () => {
    expect(settingsFromEnv({ ...ssm, SSM_CANARY_PARAMETER: '/c' }).release).toMatchObject({ source: 'ssm', canaryParameter: '/c' });
  });
  it.each([
    [{ SSM_CANARY_PARAMETER: '/c' }, 'SSM_CANARY_PARAMETER needs SSM_VERSION_PARAMETER and SSM_IMAGE_PARAMETER'],
    [{ ...ssm, SSM_CANARY_PARAMETER: '/v' }, 'SSM_CANARY_PARAMETER must be a parameter of its own'],
    [{ ...ssm, SSM_CANARY_PARAMETER: 'bad name!' }, 'SSM_CANARY_PARAMETER="bad name!" is not an SSM parameter name'],
  ])('is refused when %j', (env, message) => {
    expect(() => settingsFromEnv(env)).toThrow(message);
  });
});
