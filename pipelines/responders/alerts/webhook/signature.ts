/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec/standard-webhooks.md): the secret is
 * "whsec_" + base64 of the key bytes; the signature is "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)),
 * with the timestamp in integer Unix seconds.
 */
import { createHash, createHmac } from 'node:crypto';

const PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key bytes of a `whsec_<base64>` secret, or an error text that never repeats the secret. */
export function decodeWebhookSecret(secret: string): { key: Buffer } | { error: string } {
  if (!secret.startsWith(PREFIX)) return { error: 'must start with "whsec_" followed by base64' };
  const encoded = secret.slice(PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0)
    return { error: 'the part after "whsec_" is not valid base64' };
  const key = Buffer.from(encoded, 'base64');
  // The spec asks for 24 to 64 bytes of randomness.
  if (key.length < 24 || key.length > 64) return { error: `must decode to 24-64 bytes (got ${key.length})` };
  return { key };
}

export function signStandardWebhook(key: Buffer, id: string, timestampSecs: number, body: string): string {
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSecs}.${body}`).digest('base64');
}

/**
 * The same id for the same incident and event on every attempt and every replica, so receivers can drop
 * duplicates (the spec's idempotency key).
 */
export function webhookMessageId(incidentId: string, event: 'trigger' | 'resolve'): string {
  return 'msg_' + createHash('sha256').update(`${incidentId}\u0000${event}`).digest('hex').slice(0, 32);
}
