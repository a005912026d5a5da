import { describe, expect, it } from 'vitest';
import { reconcile, satisfies } from '../../functions/core/reconcile.ts';
import type { PatchOperation } from '../../functions/core/types.ts';

function ops(actual: unknown, desired: any): PatchOperation[] {
  const out: PatchOperation[] = [];
  reconcile(actual, desired, '/c', out);
  return out;
}

describe('reconcile', () => {
  it('adds missing keys and replaces differing scalars, walking objects', () => {
    expect(ops({ a: 1, b: { x: 1 } }, { a: 2, b: { x: 1, y: 2 }, c: 'new' })).toEqual([
      { op: 'replace', path: '/c/a', value: 2 },
      { op: 'add', path: '/c/b/y', value: 2 },
      { op: 'add', path: '/c/c', value: 'new' },
    ]);
  });

  it('leaves keys it does not want alone', () => {
    expect(ops({ a: 1, other: 'x' }, { a: 1 })).toEqual([]);
  });

  it('replaces arrays whole unless every element satisfies', () => {
    expect(ops({ p: [{ n: 1, protocol: 'TCP' }] }, { p: [{ n: 1 }] })).toEqual([]);
    expect(ops({ p: [{ n: 1 }, { n: 2 }] }, { p: [{ n: 1 }] })).toEqual([{ op: 'replace', path: '/c/p', value: [{ n: 1 }] }]);
  });

  it('replaces a value of the wrong type', () => {
    expect(ops({ resources: 'big' }, { resources: { limits: { cpu: '1' } } })).toEqual([
      { op: 'replace', path: '/c/resources', value: { limits: { cpu: '1' } } },
    ]);
  });

  it('escapes keys', () => {
    expect(ops({}, { 'a/b~c': 1 })).toEqual([{ op: 'add', path: '/c/a~1b~0c', value: 1 }]);
  });

  it('compares quantities by amount under resources only', () => {
    expect(ops({ resources: { limits: { cpu: '0.1' } } }, { resources: { limits: { cpu: '100m' } } })).toEqual([]);
    expect(satisfies({ args: ['0.1'] }, { args: ['100m'] })).toBe(false);
  });

  it('copies the values it emits, so a later change to the config cannot leak into a patch', () => {
    const desired = { list: [1, 2] };
    const out = ops({}, desired);
    desired.list.push(3);
    expect(out[0]).toEqual({ op: 'add', path: '/c/list', value: [1, 2] });
  });
});
