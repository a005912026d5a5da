import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { proxyResult, requestFromProxyEvent, type ProxyEvent } from '../shell/proxy-event.ts';
import { errorAnswer } from '../shell/review-service.ts';
import { createRuntime } from '../shell/runtime.ts';

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

async function mutate(event: ProxyEvent): Promise<APIGatewayProxyResult> {
  const request = requestFromProxyEvent(event);
  if ('error' in request) {
    runtime.telemetry.failed({ status: 400, error: request.error, durationMs: 0 });
    return proxyResult(errorAnswer(400, request.error));
  }
  return proxyResult(await runtime.service.handle(request));
}

// timeoutEarlyInMillis 0: middy's early-timeout answer would arm a timer and an AbortController
// on every invocation; the API server gets a 5xx from API Gateway either way when the function
// times out, and the function's timeout (7 s) already sits below the integration's and the webhook's.
export const handler = middy<ProxyEvent, APIGatewayProxyResult>({ timeoutEarlyInMillis: 0 })
  // logEvent pinned off: the event holds the pod, whose env values can be secrets, and
  // Powertools would otherwise log it whenever POWERTOOLS_LOGGER_LOG_EVENT=true.
  .use(injectLambdaContext(runtime.telemetry.logger, { resetKeys: true, logEvent: false }))
  .use(logMetrics(runtime.telemetry.metrics))
  .handler(mutate);
