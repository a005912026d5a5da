import { describe, expect, it } from 'vitest';
import { admissionResponse, readAdmissionReview } from '../../functions/core/admission-review.ts';

const valid = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u1', operation: 'CREATE' } };

describe('readAdmissionReview', () => {
  it('accepts a v1 review', () => {
    expect(readAdmissionReview(valid)).toEqual({ request: valid.request });
  });

  it.each([
    ['not an object', [], /not a JSON object/],
    ['wrong kind', { ...valid, kind: 'Pod' }, /kind must be "AdmissionReview"/],
    ['v1beta1', { ...valid, apiVersion: 'admission.k8s.io/v1beta1' }, /admissionReviewVersions/],
    ['no request', { ...valid, request: undefined }, /request is missing/],
    ['empty uid', { ...valid, request: { uid: '', operation: 'CREATE' } }, /uid/],
    ['bad operation', { ...valid, request: { uid: 'u', operation: 'PATCH' } }, /operation must be one of/],
  ])('rejects %s', (_label, body, message) => {
    const result = readAdmissionReview(body);
    expect('error' in result && result.error).toMatch(message);
  });
});

describe('admissionResponse', () => {
  it('echoes the uid and omits patch fields without operations', () => {
    expect(admissionResponse('u1', { patch: [], warnings: [] })).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u1', allowed: true },
    });
  });

  it('encodes the patch as base64 JSON and passes warnings', () => {
    const patch = [{ op: 'add' as const, path: '/a', value: 1 }];
    const review = admissionResponse('u2', { patch, warnings: ['w'] });
    expect(review.response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(review.response.patch ?? '', 'base64').toString('utf8'))).toEqual(patch);
    expect(review.response.warnings).toEqual(['w']);
  });
});
