import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { isPlainObject } from '../core/pod-view.ts';
import type { ReviewHttpAnswer, ReviewHttpRequest } from './review-service.ts';

/** API Gateway proxy events (REST payload v1, HTTP API / function URL payload v2) to and from plain HTTP. */

/** Lambda's limit on a synchronous invocation's payload: the whole event, as JSON. */
export const LAMBDA_EVENT_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * The largest body cap the handler can enforce itself. The body travels inside the event as a
 * JSON string: escaped (an AdmissionReview's quotes become \", about 1.2x) or base64 (4/3x), plus
 * the event's headers and request context. A cap at Lambda's 6 MB could never be returned as our
 * JSON 413: a body near it makes an event over 6 MB, which Lambda refuses before the handler runs
 * (API Gateway then answers with its own error). At 4 MiB even a base64 body (5.6 MB) leaves room
 * for the envelope. Still far above what the API server sends: etcd keeps objects under about
 * 1.5 MB, and an UPDATE review carries two of them.
 */
export const MAX_ENFORCEABLE_BODY_BYTES = 4 * 1024 * 1024;

export type ProxyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export function requestFromProxyEvent(event: unknown): ReviewHttpRequest | { error: string } {
  if (!isPlainObject(event) || !isPlainObject(event.requestContext)) {
    return { error: 'the function expects an API Gateway proxy event' };
  }
  const e = event as unknown as Partial<APIGatewayProxyEvent & APIGatewayProxyEventV2>;
  const method = e.httpMethod ?? e.requestContext?.http?.method ?? '';
  const path = e.rawPath ?? e.path ?? '/';
  const raw = typeof e.body === 'string' ? e.body : '';
  const body = e.isBase64Encoded ? Buffer.from(raw, 'base64') : raw;
  return { method: method.toUpperCase(), path, body };
}

export function proxyResult(answer: ReviewHttpAnswer): APIGatewayProxyResult {
  return {
    statusCode: answer.statusCode,
    headers: { 'content-type': 'application/json' },
    body: answer.body,
    isBase64Encoded: false,
  };
}
