import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The optional unguessable path segment. Compared as SHA-256 digests with timingSafeEqual, so
 * neither the content nor the length of the expected token leaks through response timing.
 */
export function pathTokenMatcher(token: string): (path: string) => boolean {
  const expected = digest(token);
  return (path) => {
    const segments = path.split('/').filter((s) => s.length > 0);
    const last = segments[segments.length - 1] ?? '';
    return timingSafeEqual(digest(last), expected);
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
