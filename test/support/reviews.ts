import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jsonPatch from 'fast-json-patch';

/** AdmissionReviews for shell tests, built from the sample fixture, and decoding of answers. */

const FIXTURE = fileURLToPath(new URL('../fixtures/review-create.json', import.meta.url));

export function sampleReview(): any {
  return JSON.parse(readFileSync(FIXTURE, 'utf8'));
}

export function podReview(pod: unknown, operation = 'CREATE', extra: Record<string, unknown> = {}): any {
  const review = sampleReview();
  review.request.operation = operation;
  review.request.object = operation === 'DELETE' ? null : pod;
  if (operation === 'DELETE' || operation === 'UPDATE') review.request.oldObject = pod;
  Object.assign(review.request, extra);
  return review;
}

export interface DecodedAnswer {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] };
}

/** The JSON Patch operations carried by an answer (empty when it has none). */
export function patchOf(answer: DecodedAnswer): jsonPatch.Operation[] {
  if (answer.response.patch === undefined) return [];
  return JSON.parse(Buffer.from(answer.response.patch, 'base64').toString('utf8'));
}

/** Applies the answer's patch to the object that was sent, validating it as the API server would. */
export function applyAnswer<T>(object: T, answer: DecodedAnswer): T {
  const patch = patchOf(answer);
  const copy = structuredClone(object);
  const error = jsonPatch.validate(patch, copy);
  if (error) throw error;
  return jsonPatch.applyPatch(copy, structuredClone(patch), true, false).newDocument;
}
