import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult } from 'aws-lambda';
import { isPlainObject } from '../core/pod-view.ts';
import type { ReviewHttpAnswer, ReviewHttpRequest } from './review-service.ts';

/** API Gateway proxy events (REST payload v1, HTTP API / function URL payload v2) to and from plain HTTP. */

export type ProxyEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

export function requestFromProxyEvent(event: unknown): ReviewHttpRequest | { error: string } {
  if (!isPlainObject(event) || !isPlainObject(event.requestContext)) {
    return { error: 'the function expects an API Gateway proxy event' };
  }
  const e = event as unknown as Partial<APIGatewayProxyEvent & APIGatewayProxyEventV2>;
  const method = e.httpMethod ?? e.requestContext?.http?.method ?? '';
  const path = e.rawPath ?? e.path ?? '/';
  const raw = typeof e.body === 'string' ? e.body : '';
  const body = e.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
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
