import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createReviewService } from '../../functions/shell/review-service.ts';
import { settingsFromEnv } from '../../functions/shell/settings.ts';
import { ssmReleaseSource } from '../../functions/shell/ssm-release-source.ts';
import { createTelemetry } from '../../functions/shell/telemetry.ts';
import { manualClock } from '../support/deferred.ts';
import { startFakeSsm, TEST_CREDENTIALS, TEST_REGION, type FakeSsm } from '../support/fake-ssm.ts';
import { captureOutput, type CapturedOutput } from '../support/output-capture.ts';
import { applyAnswer, sampleReview } from '../support/reviews.ts';

// The review service wired as runtime.ts wires it (real telemetry, real SSM client, local
// endpoint), with the release source's clock in the test's hand: a stale release must be
// served, logged and counted; a release never loaded must give 503 and an error line.

const TTL = 30_000;

let ssm: FakeSsm;
let client: SSMClient;
let output: CapturedOutput;

beforeAll(async () => {
  ssm = await startFakeSsm();
  client = new SSMClient({ region: TEST_REGION, endpoint: ssm.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  output = captureOutput();
});
afterAll(async () => {
  output.restore();
  client.destroy();
  await ssm.close();
});
beforeEach(() => {
  ssm.behaviour = { kind: 'ok' };
  ssm.parameters.set('/v', '2.3.4');
  ssm.parameters.set('/i', 'my-org/my-sidecar');
  output.clear();
});

function wired() {
  const clock = manualClock();
  const telemetry = createTelemetry({});
  const releaseSource = ssmReleaseSource({
    client,
    versionParameter: '/v',
    imageParameter: '/i',
    ttlMs: TTL,
    now: clock.now,
    onRefresh: (event) => telemetry.releaseRefreshed(event),
  });
  const service = createReviewService({ settings: settingsFromEnv({}), releaseSource, telemetry });
  const review = async (uid: string) => {
    const body = sampleReview();
    body.request.uid = uid;
    const answer = await service.handle({ method: 'POST', path: '/mutate', body: Buffer.from(JSON.stringify(body)) });
    telemetry.metrics.publishStoredMetrics();
    return { status: answer.statusCode, json: JSON.parse(answer.body) };
  };
  return { clock, review };
}

function reviewLine(uid: string): any {
  return output.records().find((r) => (r.review as any)?.uid === uid)?.review;
}

function metricNames(): string[] {
  return output
    .records()
    .filter((r) => r._aws !== undefined)
    .flatMap((r) => (r._aws as any).CloudWatchMetrics.flatMap((m: any) => m.Metrics.map((x: any) => x.Name as string)));
}

describe('release from SSM through the review service', () => {
  it('injects the SSM release and logs that it was loaded', async () => {
    const { review } = wired();
    const { status, json } = await review('fresh');
    expect(status).toBe(200);
    const pod = applyAnswer(sampleReview().request.object, json);
    expect(pod.spec.containers.at(-1).image).toBe('my-org/my-sidecar:2.3.4');
    expect(reviewLine('fresh')).toMatchObject({ releaseStale: false, action: 'inject' });
    expect(output.text()).toContain('sidecar release loaded from SSM');
    expect(metricNames()).not.toContain('ConfigServedStale');
  });

  it('serves the last known good release when a refresh is throttled: logged as stale and counted', async () => {
    const { clock, review } = wired();
    await review('first');
    clock.advance(TTL);
    ssm.behaviour = { kind: 'throttle' };
    output.clear();
    const { status, json } = await review('stale');
    expect(status).toBe(200);
    expect(applyAnswer(sampleReview().request.object, json).spec.containers.at(-1).image).toBe('my-org/my-sidecar:2.3.4');
    expect(reviewLine('stale')).toMatchObject({ releaseStale: true });
    expect(output.text()).toContain('SSM refresh failed, serving the last known good release');
    expect(output.text()).toContain('ThrottlingException');
    expect(metricNames()).toEqual(expect.arrayContaining(['ConfigRefreshFailures', 'ConfigServedStale']));
  });

  it('answers 503 and logs an error while no release was ever loaded, then recovers', async () => {
    ssm.behaviour = { kind: 'server-error' };
    const { clock, review } = wired();
    const failed = await review('unloaded');
    expect(failed.status).toBe(503);
    expect(failed.json.error).toBe('the sidecar release has not been loaded from SSM yet; see the webhook logs');
    const errors = output.records().filter((r) => r.level === 'ERROR').map((r) => String(r.message));
    expect(errors.join('\n')).toContain('sidecar release not loaded from SSM (/v, /i)');
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('no release was ever loaded'), expect.stringContaining('request failed with 503')]));
    expect(metricNames()).toEqual(expect.arrayContaining(['ConfigRefreshFailures', 'Errors']));

    ssm.behaviour = { kind: 'ok' };
    clock.advance(5_000);
    const recovered = await review('recovered');
    expect(recovered.status).toBe(200);
    expect(reviewLine('recovered')).toMatchObject({ releaseStale: false, action: 'inject' });
  });
});
