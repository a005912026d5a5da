import middy from '@middy/core';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { proxyResult, requestFromProxyEvent, type ProxyEvent } from '../shell/proxy-event.ts';
import { errorAnswer } from '../shell/review-service.ts';
import { createRuntime } from '../shell/runtime.ts';
import { loggerContext } from './logger-context.ts';

/**
 * The Lambda entry point behind API Gateway. Settings, SSM client and cache live outside the
 * handler, so they are made once per execution environment and shared by its invocations.
 */

// Powertools reads process.env on every log and metric call (log level, trace id, whether the
// invoke store is in use), and each read of Node's process.env is a call into getenv: about 13 us
// per review with INFO logs and metrics on (npm run bench, production path). Lambda fixes the
// environment for the life of the execution environment, so a plain copy reads the same values;
// whatever the runtime client sets later (the trace id) it sets on this same object. Only on
// Lambda (AWS_EXECUTION_ENV names a Lambda runtime): elsewhere, as in tests, the environment
// may change and must stay Node's own.
if (process.env.AWS_EXECUTION_ENV?.startsWith('AWS_Lambda_')) process.env = { ...process.env };

const runtime = createRuntime();
// Start reading the release from SSM during init: the first request then shares the call in
// flight (or finds it done) instead of starting it. A failure here is logged and counted by the
// release source and retried by the next request; it never fails the init.
runtime.releaseSource?.current().catch(() => undefined);

// Powertools' own rule for cold_start: the first invocation of the environment, unless
// provisioned concurrency made the environment ready before any request.
let coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';

async function mutate(event: ProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const invocation = {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    coldStart,
  };
  coldStart = false;
  try {
    const request = requestFromProxyEvent(event);
    if ('error' in request) {
      runtime.telemetry.failed({ status: 400, error: request.error, durationMs: 0 });
      return proxyResult(errorAnswer(400, request.error));
    }
    request.invocation = invocation;
    return proxyResult(await runtime.service.handle(request));
  } finally {
    // The review's metrics are in its own line; this publishes what went through Powertools'
    // Metrics (failures, SSM refreshes), when there is any. In place of Powertools' logMetrics
    // middleware, which would warn on every invocation that stored nothing.
    runtime.telemetry.flush();
  }
}

// timeoutEarlyInMillis 0: middy's early-timeout answer would arm a timer and an AbortController
// on every invocation; the API server gets a 5xx from API Gateway either way when the function
// times out, and the function's timeout (7 s) already sits below the integration's and the webhook's.
export const handler = middy<ProxyEvent, APIGatewayProxyResult>({ timeoutEarlyInMillis: 0 })
  // Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds the pod.
  .use(loggerContext(runtime.telemetry.logger, process.env))
  .handler(mutate);
