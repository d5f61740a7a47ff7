/** Bearer-token check with a constant-time compare (hashes first, so lengths do not leak either). */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** True when the Authorization header carries the expected bearer token (or no token is configured). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const given = match ? match[1]!.trim() : '';
  return timingSafeEqual(digest(given), digest(token)) && given.length > 0;
}
