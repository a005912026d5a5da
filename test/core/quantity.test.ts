import { describe, expect, it } from 'vitest';
import { isQuantity, quantityNanos, sameQuantity } from '../../functions/core/quantity.ts';

describe('quantities', () => {
  it.each([
    ['100m', 100_000_000n],
    ['0.1', 100_000_000n],
    ['.5', 500_000_000n],
    ['1', 1_000_000_000n],
    ['1k', 1_000_000_000_000n],
    ['1Ki', 1024n * 1_000_000_000n],
    ['64Mi', 64n * 1024n * 1024n * 1_000_000_000n],
    ['1e3', 1_000_000_000_000n],
    ['1E-3', 1_000_000n],
    ['1n', 1n],
    ['0.1n', 1n],
    ['-2', -2_000_000_000n],
  ])('%s', (text, nanos) => {
    expect(quantityNanos(text)).toBe(nanos);
  });

  it.each(['', 'm', '1x', '1.2.3', 'Mi', '1 Mi', '1e', 'abc'])('rejects %j', (text) => {
    expect(isQuantity(text)).toBe(false);
  });

  it('compares by amount', () => {
    expect(sameQuantity('0.1', '100m')).toBe(true);
    expect(sameQuantity('32Mi', '33554432')).toBe(true);
    expect(sameQuantity('1Gi', '1G')).toBe(false);
    expect(sameQuantity('100m', 'garbage')).toBe(false);
    expect(sameQuantity(1, '1000m')).toBe(true);
  });
});
