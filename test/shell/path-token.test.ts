import { describe, expect, it } from 'vitest';
import { pathTokenMatcher } from '../../functions/shell/path-token.ts';

describe('pathTokenMatcher', () => {
  const token = 'Tok3n_with-48-characters-aaaaaaaaaaaaaaaaaaaaaaa';
  const matches = pathTokenMatcher(token);

  it('accepts the token as the last path segment, with or without a trailing slash', () => {
    for (const path of [`/mutate/${token}`, `/${token}`, `/mutate/${token}/`, `/prod/mutate/${token}//`, token]) expect(matches(path), path).toBe(true);
  });

  it('refuses every other last segment: prefixes, extensions, one character off, other lengths, none', () => {
    const refused = [
      `/mutate/${token.slice(0, -1)}`,
      `/mutate/${token}x`,
      `/mutate/${token.slice(0, -1)}b`,
      `/mutate/${token}\u0000`,
      `/${token}/mutate`,
      '/mutate',
      '/',
      '',
      `/mutate/${'é'.repeat(token.length / 2)}`,
    ];
    for (const path of refused) expect(matches(path), JSON.stringify(path)).toBe(false);
  });

  it('compares bytes: a multi-byte candidate of the token\'s character count does not pass', () => {
    const ascii = pathTokenMatcher('abcdefghijklmnop');
    expect(ascii('/abcdefghijklmnop')).toBe(true);
    expect(ascii('/abcdefghijklmnoé')).toBe(false);
  });
});
