import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Action } from '../../functions/core/decide.ts';
import { reviewLineWriter, type Invocation } from '../../functions/shell/review-line.ts';
import { lambdaContext } from '../support/lambda-events.ts';
import { captureOutput, type CapturedOutput } from '../support/output-capture.ts';

/**
 * The review line is written by hand for speed; Powertools is its oracle. For every kind of
 * review, the line must carry what Powertools' Logger writes for `logger.info(message, { review })`
 * after `addContext` (same keys, order and values but the timestamp's instant) and exactly the
 * CloudWatch datapoints (metric, unit, dimensions, value) that Powertools' Metrics publishes for
 * the calls the telemetry made through it before.
 */

const SERVICE = 'sidecar-injector';
const NAMESPACE = 'SidecarInjector';
const ACTION_METRIC: Record<Action, string> = { inject: 'Injected', converge: 'Converged', upgrade: 'Upgraded', unchanged: 'Unchanged', skip: 'Skipped' };
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1';

const context = lambdaContext();

function record(action: Action, stale: boolean) {
  return {
    uid: 'uid-1',
    namespace: 'prod "quoted"',
    pod: 'payments-*',
    operation: 'CREATE',
    kind: 'Pod',
    action,
    reason: action === 'skip' ? 'opt-out' : 'sidecar injected\nwith a newline',
    patchOperations: 3,
    warnings: 1,
    durationMs: 0.123,
    releaseStale: stale,
    dryRun: false,
    ...(action === 'inject' ? { cohort: 'canary' as const } : {}),
  };
}

/** Every datapoint of the EMF documents among `records`: metric, unit, dimensions and value. */
function datapoints(records: Array<Record<string, unknown>>): string[] {
  const points: string[] = [];
  for (const r of records) {
    const aws = r._aws as { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } | undefined;
    if (!aws) continue;
    expect(typeof aws.Timestamp).toBe('number');
    for (const directive of aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        for (const key of set) expect(typeof r[key], `dimension ${key} is a top-level string`).toBe('string');
        for (const metric of directive.Metrics) {
          expect(typeof r[metric.Name], `metric ${metric.Name} is a top-level number`).toBe('number');
          points.push(`${directive.Namespace} ${metric.Name} ${metric.Unit} ${set.map((k) => `${k}=${String(r[k])}`).join(',')} = ${String(r[metric.Name])}`);
        }
      }
    }
  }
  return points.sort();
}

/** What the telemetry wrote through Powertools for a review before the line was written by hand. */
function powertoolsOracle(rec: ReturnType<typeof record>, options: { info: boolean; metrics: boolean; cold: boolean }, output: CapturedOutput) {
  output.clear();
  const logger = new Logger({ serviceName: SERVICE, logLevel: options.info ? 'INFO' : 'WARN' });
  logger.addContext(context);
  if (!options.cold) logger.addContext(context);
  const metrics = new Metrics({ serviceName: SERVICE, namespace: NAMESPACE });
  if (options.info) logger.info(rec.action === 'skip' ? `skipped: ${rec.reason}` : `${rec.action}: ${rec.reason}`, { review: rec });
  if (options.metrics) {
    metrics.addMetric('Reviews', MetricUnit.Count, 1);
    metrics.addMetric(ACTION_METRIC[rec.action], MetricUnit.Count, 1);
    metrics.addMetric('AdmissionLatency', MetricUnit.Milliseconds, rec.durationMs);
    if (rec.releaseStale) metrics.addMetric('ConfigServedStale', MetricUnit.Count, 1);
    if (rec.action === 'skip') {
      const single = metrics.singleMetric();
      single.addDimension('reason', rec.reason);
      single.addMetric('SkippedByReason', MetricUnit.Count, 1);
    }
    metrics.publishStoredMetrics();
  }
  return output.records();
}

function ours(rec: ReturnType<typeof record>, options: { info: boolean; metrics: boolean; cold: boolean }) {
  const write = reviewLineWriter({ serviceName: SERVICE, namespace: NAMESPACE, info: () => options.info, metrics: options.metrics, traceHeader: () => process.env._X_AMZN_TRACE_ID });
  const invocation: Invocation = { ...context, coldStart: options.cold };
  const line = write(rec, invocation);
  return line === undefined ? [] : [JSON.parse(line) as Record<string, unknown>];
}

const METRIC_KEYS = new Set(['_aws', 'Reviews', 'AdmissionLatency', 'ConfigServedStale', 'SkippedByReason', 'reason', ...Object.values(ACTION_METRIC)]);

describe('the review line against Powertools', () => {
  let output: CapturedOutput;
  beforeEach(() => {
    output = captureOutput();
    vi.stubEnv('_X_AMZN_TRACE_ID', TRACE);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_DEV', '');
  });
  afterEach(() => {
    output.restore();
    vi.unstubAllEnvs();
  });

  for (const action of Object.keys(ACTION_METRIC) as Action[]) {
    for (const stale of [false, true]) {
      it(`${action}${stale ? ', release served stale' : ''}: the same log record and the same datapoints`, () => {
        const rec = record(action, stale);
        // Powertools keeps one cold-start flag per process: its oracle line is a warm one.
        const expected = powertoolsOracle(rec, { info: true, metrics: true, cold: false }, output);
        const powertoolsLog = expected.find((r) => r.level === 'INFO')!;
        expect(powertoolsLog.cold_start).toBe(false);
        for (const cold of [false, true]) {
          const [line] = ours(rec, { info: true, metrics: true, cold });
          const logPart = Object.fromEntries(Object.entries(line!).filter(([key]) => !METRIC_KEYS.has(key)));
          expect(logPart.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
          expect(Object.keys(logPart)).toEqual(Object.keys(powertoolsLog));
          expect({ ...logPart, timestamp: 'T' }).toEqual({ ...powertoolsLog, timestamp: 'T', cold_start: cold });
          expect(datapoints([line!])).toEqual(datapoints(expected));
        }
      });
    }
  }

  it('below INFO writes only the metrics, as Powertools Metrics would; with metrics off only the log; with both off nothing', () => {
    const rec = record('skip', true);
    const metricsOnly = ours(rec, { info: false, metrics: true, cold: false });
    expect(metricsOnly[0]!.level).toBeUndefined();
    expect(metricsOnly[0]!.message).toBeUndefined();
    expect(datapoints(metricsOnly)).toEqual(datapoints(powertoolsOracle(rec, { info: false, metrics: true, cold: false }, output)));
    const logOnly = ours(rec, { info: true, metrics: false, cold: false });
    expect(logOnly[0]!._aws).toBeUndefined();
    expect(logOnly[0]!.SkippedByReason).toBeUndefined();
    expect(ours(rec, { info: false, metrics: false, cold: false })).toEqual([]);
  });

  it('without an invocation (the local server) carries no Lambda context, like Powertools without addContext', () => {
    const write = reviewLineWriter({ serviceName: SERVICE, namespace: NAMESPACE, info: () => true, metrics: false, traceHeader: () => undefined });
    const line = JSON.parse(write(record('inject', false))!) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['level', 'message', 'timestamp', 'service', 'sampling_rate', 'review']);
  });

  it('writes the timestamp of the instant, to the millisecond, across seconds', () => {
    const write = reviewLineWriter({ serviceName: SERVICE, namespace: NAMESPACE, info: () => true, metrics: true, traceHeader: () => undefined });
    for (const now of [1_795_496_725_000, 1_795_496_725_005, 1_795_496_725_999, 1_795_496_726_040, 1_795_496_725_120]) {
      vi.spyOn(Date, 'now').mockReturnValue(now);
      const line = JSON.parse(write(record('unchanged', false))!) as { timestamp: string; _aws: { Timestamp: number } };
      expect(line.timestamp).toBe(new Date(now).toISOString());
      expect(line._aws.Timestamp).toBe(now);
    }
    vi.restoreAllMocks();
  });

  it('takes the trace id of each invocation, and none when the header is gone', () => {
    let header: string | undefined = TRACE;
    const write = reviewLineWriter({ serviceName: SERVICE, namespace: NAMESPACE, info: () => true, metrics: false, traceHeader: () => header });
    expect(JSON.parse(write(record('inject', false))!).xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
    header = 'Root=1-00000000-000000000000000000000001;Sampled=0';
    expect(JSON.parse(write(record('inject', false))!).xray_trace_id).toBe('1-00000000-000000000000000000000001');
    header = undefined;
    expect(JSON.parse(write(record('inject', false))!).xray_trace_id).toBeUndefined();
  });

  it('keeps every reason apart however many there are (the message cache starts over, it never mixes)', () => {
    const write = reviewLineWriter({ serviceName: SERVICE, namespace: NAMESPACE, info: () => true, metrics: true, traceHeader: () => undefined });
    for (let i = 0; i < 600; i++) {
      const line = JSON.parse(write({ ...record('skip', false), reason: `reason-${i}` })!) as { message: string; reason: string };
      expect(line.message).toBe(`skipped: reason-${i}`);
      expect(line.reason).toBe(`reason-${i}`);
    }
  });
});
