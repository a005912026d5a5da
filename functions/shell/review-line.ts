import type { Action } from '../core/decide.ts';

/**
 * The one line a review writes: Powertools' structured log record (same keys, same order, same
 * values as `logger.info(message, { review })` after `injectLambdaContext`) and the review's
 * CloudWatch embedded-format metrics (the same metrics, units and dimensions Powertools' Metrics
 * would publish) in a single JSON object.
 *
 * Written by hand, not through Powertools, because this line is on every admission: through
 * Powertools the review line and its EMF line cost about 20 us per review (two JSON documents,
 * two writes, a JSON replacer called on every key, attribute merging), twice the whole budget
 * for what the Lambda shell may add to the pure review (npm run bench, production path). Here it
 * is one JSON.stringify of the record, constant pieces built once, and one write. Everything
 * else (start, SSM refresh, failures) still goes through Powertools' Logger and Metrics.
 * test/shell/review-line.test.ts holds this line to Powertools' own output for the same review.
 */

/** What the line needs of a Lambda invocation (a subset of the runtime's Context). */
export interface Invocation {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  /** The first invocation of this execution environment (and not one made ready by provisioned concurrency). */
  coldStart: boolean;
}

/** The fields the line reads; the whole record is logged under `review`. */
export interface ReviewLineRecord {
  action: Action;
  reason: string;
  durationMs: number;
  releaseStale: boolean;
}

export interface ReviewLineOptions {
  serviceName: string;
  namespace: string;
  /** Write the log part (INFO is enabled); the metrics are written either way when enabled. */
  info: () => boolean;
  metrics: boolean;
  /** The X-Ray trace header of the current invocation, when there is one (`_X_AMZN_TRACE_ID`). */
  traceHeader: () => string | undefined;
}

const ACTION_METRIC: Record<Action, string> = {
  inject: 'Injected',
  converge: 'Converged',
  upgrade: 'Upgraded',
  unchanged: 'Unchanged',
  skip: 'Skipped',
};

/**
 * Makes the writer of review lines: given a review's record (and the Lambda invocation, when there
 * is one), the line's JSON text, without the newline; undefined when neither logs at INFO nor
 * metrics are on. The metric names are those the stack's alarms and dashboard read.
 */
export function reviewLineWriter(options: ReviewLineOptions): (record: ReviewLineRecord, invocation?: Invocation) => string | undefined {
  const service = JSON.stringify(options.serviceName);
  const directives = new Map<string, string>();
  // The `_aws` directives for one kind of review: the metrics with the service dimension, and
  // for a skip the count by reason (its own dimension set, as Powertools' singleMetric writes it).
  const directivesFor = (action: Action, stale: boolean): string => {
    const key = `${action}/${stale}`;
    let text = directives.get(key);
    if (text === undefined) {
      const names: Array<[string, string]> = [['Reviews', 'Count'], [ACTION_METRIC[action], 'Count'], ['AdmissionLatency', 'Milliseconds']];
      if (stale) names.push(['ConfigServedStale', 'Count']);
      const list = [{ Namespace: options.namespace, Dimensions: [['service']], Metrics: names.map(([Name, Unit]) => ({ Name, Unit })) }];
      if (action === 'skip') list.push({ Namespace: options.namespace, Dimensions: [['service', 'reason']], Metrics: [{ Name: 'SkippedByReason', Unit: 'Count' }] });
      text = JSON.stringify(list);
      directives.set(key, text);
    }
    return text;
  };

  // Pieces that repeat from one review to the next, kept as JSON text: the messages (a handful
  // of actions and reasons), the invocation's constant part (one function, one ARN), the
  // timestamp's second and the trace header's root. Bounded: a message cache that grows past
  // MAX_CACHED (reasons are a fixed set; this only guards against a surprise) starts over.
  const messages = new Map<string, string>();
  let functionPart = { arn: '', name: '', memory: '', text: '' };
  let second = { at: -1, iso: '' };
  let trace = { header: undefined as string | undefined, text: '' };

  const messageJson = (action: Action, reason: string): string => {
    const key = `${action}\u0000${reason}`;
    let text = messages.get(key);
    if (text === undefined) {
      if (messages.size >= MAX_CACHED) messages.clear();
      text = JSON.stringify(action === 'skip' ? `skipped: ${reason}` : `${action}: ${reason}`);
      messages.set(key, text);
    }
    return text;
  };
  const timestamp = (now: number): string => {
    const at = now - (now % 1000);
    if (at !== second.at) second = { at, iso: new Date(at).toISOString().slice(0, 20) };
    return `${second.iso}${String(now % 1000).padStart(3, '0')}Z`;
  };
  const invocationJson = (invocation: Invocation): string => {
    if (invocation.invokedFunctionArn !== functionPart.arn || invocation.functionName !== functionPart.name || invocation.memoryLimitInMB !== functionPart.memory) {
      functionPart = {
        arn: invocation.invokedFunctionArn,
        name: invocation.functionName,
        memory: invocation.memoryLimitInMB,
        text: `"function_arn":${JSON.stringify(invocation.invokedFunctionArn)},"function_memory_size":${JSON.stringify(invocation.memoryLimitInMB)},"function_name":${JSON.stringify(invocation.functionName)}`,
      };
    }
    return `,"cold_start":${invocation.coldStart},${functionPart.text},"function_request_id":${JSON.stringify(invocation.awsRequestId)}`;
  };
  const traceJson = (header: string | undefined): string => {
    if (header !== trace.header) {
      const root = traceRoot(header);
      trace = { header, text: root ? `,"xray_trace_id":${JSON.stringify(root)}` : '' };
    }
    return trace.text;
  };

  return (record, invocation) => {
    const info = options.info();
    if (!info && !options.metrics) return undefined;
    const now = Date.now();
    let line = '{';
    if (info) {
      line += `"level":"INFO","message":${messageJson(record.action, record.reason)},"timestamp":"${timestamp(now)}","service":${service}`;
      if (invocation) line += invocationJson(invocation);
      line += `,"sampling_rate":0${traceJson(options.traceHeader())},"review":${JSON.stringify(record)}`;
    }
    if (options.metrics) {
      line += `${info ? ',' : ''}"_aws":{"Timestamp":${now},"CloudWatchMetrics":${directivesFor(record.action, record.releaseStale)}}`;
      if (!info) line += `,"service":${service}`;
      line += `,"Reviews":1,"${ACTION_METRIC[record.action]}":1,"AdmissionLatency":${record.durationMs}`;
      if (record.releaseStale) line += ',"ConfigServedStale":1';
      if (record.action === 'skip') line += `,"reason":${JSON.stringify(record.reason)},"SkippedByReason":1`;
    }
    return `${line}}`;
  };
}

const MAX_CACHED = 256;

/** The Root of an X-Ray trace header (`Root=1-...;Parent=...;Sampled=1`), as Powertools logs it. */
function traceRoot(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (!header.includes('=')) return header;
  for (const field of header.split(';')) {
    if (field.startsWith('Root=')) return field.slice(5);
  }
  return undefined;
}
