import { timingSafeEqual } from 'node:crypto';

/**
 * The optional unguessable path segment, compared in constant time: the candidate is copied into
 * a zero-filled buffer of the token's length (cut or padded) and compared with timingSafeEqual;
 * the lengths are compared as one integer. Neither the content nor the length of the token leaks
 * through response timing, and no hash is computed per request (hashing both, as before, cost a
 * few microseconds on every review: npm run bench, production path).
 */
export function pathTokenMatcher(token: string): (path: string) => boolean {
  const expected = Buffer.from(token, 'utf8');
  // One buffer for every request: the comparison is synchronous, so no two requests share it at once.
  const given = Buffer.alloc(expected.length);
  return (path) => {
    let end = path.length;
    while (end > 0 && path[end - 1] === '/') end--;
    const last = path.slice(path.lastIndexOf('/', end - 1) + 1, end);
    given.fill(0);
    given.write(last, 'utf8');
    const same = timingSafeEqual(given, expected);
    return same && Buffer.byteLength(last, 'utf8') === expected.length;
  };
}
