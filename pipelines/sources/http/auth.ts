/** The bearer-token check shared by the ingest endpoints and the admin API. */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when the Authorization header carries exactly `token` as a bearer token. An empty token matches
 * nothing: what "no token configured" means (open ingest, read-only admin API) is the caller's decision.
 * Compares SHA-256 digests in constant time, so neither the token nor its length leaks through timing, and
 * compares even when the header is missing, so timing does not tell "no header" from "wrong token".
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!token) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const given = match ? match[1]!.trim() : '';
  return timingSafeEqual(digest(given), digest(token));
}
