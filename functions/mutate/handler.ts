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
const runtime = createRuntime();

async function mutate(event: ProxyEvent): Promise<APIGatewayProxyResult> {
  const request = requestFromProxyEvent(event);
  if ('error' in request) {
    runtime.telemetry.failed({ status: 400, error: request.error, durationMs: 0 });
    return proxyResult(errorAnswer(400, request.error));
  }
  return proxyResult(await runtime.service.handle(request));
}

export const handler = middy<ProxyEvent, APIGatewayProxyResult>()
  // logEvent pinned off: the event holds the pod, whose env values can be secrets, and
  // Powertools would otherwise log it whenever POWERTOOLS_LOGGER_LOG_EVENT=true.
  .use(injectLambdaContext(runtime.telemetry.logger, { resetKeys: true, logEvent: false }))
  .use(logMetrics(runtime.telemetry.metrics))
  .handler(mutate);
