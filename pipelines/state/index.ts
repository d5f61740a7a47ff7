/** State stores: Redis in production, memory in embedded mode. */
import type { Logger } from 'pino';
import type { Metrics } from '../core/metrics.js';
import { MemoryStateStore, type StateStore } from '../core/state-store.js';
import type { RedisConfig } from './config.js';

/**
 * Redis when a URL is configured (connects, never throws when Redis is down), else memory whose TTLs
 * run on `now` (the wall clock, or event time in a replay).
 */
export async function createStateStore(
  cfg: RedisConfig,
  deps: { logger: Logger; metrics?: Metrics; now?: () => number },
): Promise<StateStore> {
  if (!cfg.url) return new MemoryStateStore(deps.now);
  // Loaded only when configured: ioredis costs a replay or a demo start-up time for nothing.
  const { RedisStateStore } = await import('./redis-state-store.js');
  const store = new RedisStateStore(cfg, deps);
  await store.connect();
  return store;
}
