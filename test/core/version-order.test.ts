import { describe, expect, it } from 'vitest';
import { compareVersions, isOrderedVersion } from '../../functions/core/version-order.ts';

describe('compareVersions (semantic versions, leniently)', () => {
  it('orders releases, pre-releases and partial versions', () => {
    const ordered = ['0.9.0', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', 'v1.0.1', '1.2', '1.10.0', '2'];
    for (let i = 0; i < ordered.length - 1; i++) {
      expect(compareVersions(ordered[i] as string, ordered[i + 1] as string), `${ordered[i]} < ${ordered[i + 1]}`).toBe(-1);
      expect(compareVersions(ordered[i + 1] as string, ordered[i] as string)).toBe(1);
    }
  });

  it('treats build metadata and spelling of the same release as equal', () => {
    expect(compareVersions('1.3.0+build.5', '1.3.0')).toBe(0);
    expect(compareVersions('v1.3', '1.3.0')).toBe(0);
  });

  it('refuses to order what is not a version', () => {
    for (const text of ['latest', 'main-abc123', '1.2.3.4', '01.2.3', '']) {
      expect(isOrderedVersion(text)).toBe(false);
      expect(compareVersions(text, '1.0.0')).toBeUndefined();
    }
  });
});
