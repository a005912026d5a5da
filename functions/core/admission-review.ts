import type { Decision } from './decide.ts';
import { patchJson } from './patch-json.ts';
import { isPlainObject } from './pod-view.ts';
import type { AdmissionRequest, Operation } from './types.ts';

/** The admission.k8s.io/v1 envelope: reading a review, writing the answer. */

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
const OPERATIONS: ReadonlySet<string> = new Set<Operation>(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

export interface AdmissionResponseReview {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: true;
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
  };
}

/** The request of a parsed review, or a message saying why the body is not a usable review. */
export function readAdmissionReview(body: unknown): { request: AdmissionRequest } | { error: string } {
  if (!isPlainObject(body)) return { error: 'body is not a JSON object' };
  if (body.kind !== 'AdmissionReview') return { error: `kind must be "AdmissionReview", got ${describe(body.kind)}` };
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    return {
      error: `apiVersion must be "${ADMISSION_API_VERSION}", got ${describe(body.apiVersion)}; register the webhook with admissionReviewVersions: ["v1"]`,
    };
  }
  const request = body.request;
  if (!isPlainObject(request)) return { error: 'request is missing or not an object' };
  if (typeof request.uid !== 'string' || request.uid.length === 0) return { error: 'request.uid must be a non-empty string' };
  if (typeof request.operation !== 'string' || !OPERATIONS.has(request.operation)) {
    return { error: `request.operation must be one of CREATE, UPDATE, DELETE, CONNECT, got ${describe(request.operation)}` };
  }
  return { request: request as unknown as AdmissionRequest };
}

/** The answer: always allowed (the injector never blocks a pod); a patch only when there is one. */
export function admissionResponse(uid: string, decision: Pick<Decision, 'patch' | 'warnings'>): AdmissionResponseReview {
  const response: AdmissionResponseReview['response'] = { uid, allowed: true };
  if (decision.patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(patchJson(decision.patch)).toString('base64');
  }
  if (decision.warnings.length > 0) response.warnings = decision.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/**
 * The answer's JSON text, equal to `JSON.stringify(admissionResponse(uid, decision))` but written
 * directly: the base64 patch is kilobytes that need no escaping, and having `JSON.stringify` scan
 * them again cost more than encoding the patch itself.
 */
export function admissionResponseJson(uid: string, decision: Pick<Decision, 'patch' | 'warnings'>): string {
  let text = `{"apiVersion":"${ADMISSION_API_VERSION}","kind":"AdmissionReview","response":{"uid":${JSON.stringify(uid)},"allowed":true`;
  if (decision.patch.length > 0) text += `,"patchType":"JSONPatch","patch":"${Buffer.from(patchJson(decision.patch)).toString('base64')}"`;
  if (decision.warnings.length > 0) text += `,"warnings":${JSON.stringify(decision.warnings)}`;
  return `${text}}}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
