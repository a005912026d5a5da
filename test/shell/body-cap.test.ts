import { describe, expect, it } from 'vitest';
import { LAMBDA_EVENT_LIMIT_BYTES, MAX_ENFORCEABLE_BODY_BYTES } from '../../functions/shell/proxy-event.ts';
import { DEFAULTS } from '../../functions/shell/settings.ts';
import { resolveSettings } from '../../infra/settings/resolve.ts';
import { DEFAULT_SETTINGS, SettingsError } from '../../infra/settings/settings.ts';
import { restEvent } from '../support/lambda-events.ts';
import { sampleReview } from '../support/reviews.ts';

// The handler's 413 exists only if a body over the cap can reach the handler: the body travels
// inside the invocation event, which Lambda refuses above 6 MB before any code runs. These
// tests size real API Gateway events (test/support/lambda-events.ts) around the cap.

/**
 * An AdmissionReview of exactly `bytes` bytes, padded with kubectl's last-applied-configuration:
 * a pod's JSON inside a string, the most escaped thing a pod carries (every quote doubles).
 */
function reviewOfSize(bytes: number): string {
  const review = sampleReview();
  const key = 'kubectl.kubernetes.io/last-applied-configuration';
  review.request.object.metadata.annotations = { [key]: '' };
  const room = bytes - Buffer.byteLength(JSON.stringify(review));
  const unit = '{"name":"a","value":"b"},';
  const unitBytes = JSON.stringify(unit).length - 2;
  const units = Math.floor(room / unitBytes);
  review.request.object.metadata.annotations[key] = unit.repeat(units) + 'x'.repeat(room - units * unitBytes);
  return JSON.stringify(review);
}

const eventBytes = (body: string, base64: boolean): number => Buffer.byteLength(JSON.stringify(restEvent({ body, base64 })));

describe('the body cap the Lambda handler can enforce', () => {
  it('is the default of the function and of the stack', () => {
    expect(Number(DEFAULTS.MAX_BODY_BYTES)).toBe(MAX_ENFORCEABLE_BODY_BYTES);
    expect(DEFAULT_SETTINGS.maxBodyBytes).toBe(MAX_ENFORCEABLE_BODY_BYTES);
  });

  it('a body at the cap fits in a 6 MB event, escaped or base64, so one byte more reaches the handler and gets its 413', () => {
    const body = reviewOfSize(MAX_ENFORCEABLE_BODY_BYTES);
    expect(Buffer.byteLength(body)).toBe(MAX_ENFORCEABLE_BODY_BYTES);
    expect(eventBytes(body, false)).toBeLessThan(LAMBDA_EVENT_LIMIT_BYTES);
    expect(eventBytes(body, true)).toBeLessThan(LAMBDA_EVENT_LIMIT_BYTES);
  });

  it('at the old cap (Lambda\'s whole 6 MB) the event is over the limit: the handler would never see the body', () => {
    const body = reviewOfSize(LAMBDA_EVENT_LIMIT_BYTES);
    const escaped = eventBytes(body, false);
    expect(escaped).toBeGreaterThan(LAMBDA_EVENT_LIMIT_BYTES);
    // About 1.2x for a pod's JSON escaped into the event (the figure measured on the corpus).
    expect(escaped / Buffer.byteLength(body)).toBeGreaterThan(1.1);
  });

  it('the stack refuses a larger maxBodyBytes, naming the setting and the reason', () => {
    expect(() => resolveSettings({ maxBodyBytes: 6 * 1024 * 1024 })).toThrow(SettingsError);
    expect(() => resolveSettings({ maxBodyBytes: 6 * 1024 * 1024 })).toThrow(/maxBodyBytes=6291456 must be a whole number from 1024 to 4194304 \(the body reaches the function inside a 6 MB event/);
    expect(resolveSettings({ maxBodyBytes: MAX_ENFORCEABLE_BODY_BYTES }).maxBodyBytes).toBe(MAX_ENFORCEABLE_BODY_BYTES);
  });
});
