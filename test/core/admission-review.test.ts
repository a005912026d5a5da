import { describe, expect, it } from 'vitest';
import { admissionResponse, admissionResponseJson, readAdmissionReview } from '../../functions/core/admission-review.ts';
import { deepFreeze } from '../../functions/core/deep-freeze.ts';
import { patchJson } from '../../functions/core/patch-json.ts';

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

describe('admissionResponseJson (the text the service sends)', () => {
  it('is exactly JSON.stringify of admissionResponse, for every corpus-like decision shape', () => {
    const shared = deepFreeze({ name: 'my-sidecar', image: 'x:1', env: [{ name: 'A', value: 'quote " and \\\\ and \u2028' }] });
    const cases: Array<Parameters<typeof admissionResponse>[1]> = [
      { patch: [], warnings: [] },
      { patch: [], warnings: ['skipped: "why"'] },
      { patch: [{ op: 'add', path: '/spec/containers/-', value: shared }, { op: 'remove', path: '/spec/containers/3' }], warnings: [] },
      { patch: [{ op: 'replace', path: '/metadata/annotations/a~1b', value: 'v' }, { op: 'add', path: '/x', value: shared }], warnings: ['w1', 'w2'] },
    ];
    for (const uid of ['u1', 'uid with "quotes"']) {
      for (const decision of cases) {
        expect(admissionResponseJson(uid, decision)).toBe(JSON.stringify(admissionResponse(uid, decision)));
        expect(patchJson(decision.patch)).toBe(JSON.stringify(decision.patch));
        // The cached text of a shared value is reused, and still right.
        expect(admissionResponseJson(uid, decision)).toBe(JSON.stringify(admissionResponse(uid, decision)));
      }
    }
  });
});
