/**
 * Redis credentials, and the check that Redis actually demands them: whoever can write meshguard's Redis
 * can spend the quarantine cap, erase the ledger or forge incident dedup, so `serve` refuses a Redis that
 * answers a client without credentials (unless redis.allow_unauthenticated says otherwise).
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from './config.js';

/** The connection options that carry the configured credentials and TLS. */
export function redisCredentials(cfg: RedisConfig): RedisOptions {
  return {
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.password ? { password: cfg.password } : {}),
    ...(cfg.tls ? { tls: {} } : {}),
  };
}

/** What a client with no credentials gets from the Redis at `cfg.url`. */
export type AnonymousAccess = 'open' | 'refused' | 'unreachable';

/**
 * Connect as nobody (the URL's host, port and TLS, its user and password removed) and send PING: PONG
 * means anyone who reaches Redis can write it; NOAUTH means a password is required.
 */
export async function probeAnonymousAccess(cfg: RedisConfig, timeoutMs = 2000): Promise<AnonymousAccess> {
  let url: URL;
  try {
    url = new URL(cfg.url);
  } catch {
    return 'unreachable';
  }
  url.username = '';
  url.password = '';
  const client = new Redis(url.toString(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
    ...(cfg.tls ? { tls: {} } : {}),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return 'open';
  } catch (error) {
    return /NOAUTH|WRONGPASS|Authentication required|NOPERM/i.test((error as Error).message)
      ? 'refused'
      : 'unreachable';
  } finally {
    client.disconnect();
  }
}
