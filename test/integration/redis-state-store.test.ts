/** RedisStateStore against a real redis-server: shared dedup, prefixing, SCAN, and riding out an outage. */
import { DEFAULT_CONFIG } from '../../config/defaults.generated.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { RedisStateStore } from '../../pipelines/state/redis-state-store.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { Redis } from 'ioredis';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: 'silent' });
let server: RedisServer;

function store(metrics?: Metrics, prefix = 'mg-test:'): RedisStateStore {
  return new RedisStateStore(
    { ...DEFAULT_CONFIG.redis, url: server.url, key_prefix: prefix },
    { logger, ...(metrics ? { metrics } : {}), maxRetryDelayMs: 200 },
  );
}

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.stop();
});

describe('RedisStateStore', () => {
  it('shares setIfAbsent between replicas: exactly one wins', async () => {
    const a = store();
    const b = store();
    await a.connect();
    await b.connect();
    const results = await Promise.all([
      a.setIfAbsent('dedup:x', 'a', 60_000),
      b.setIfAbsent('dedup:x', 'b', 60_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.get('dedup:x')).toBe(results[0] ? 'a' : 'b');
    await a.close();
    await b.close();
  });

  it('replaces a value only while it is still the one expected: one of two replicas taking over wins', async () => {
    const a = store();
    const b = store();
    await a.connect();
    await b.connect();
    await a.set('claim:x', 'pending-1', 60_000);
    const results = await Promise.all([
      a.replaceIf('claim:x', 'pending-1', 'a', 60_000),
      b.replaceIf('claim:x', 'pending-1', 'b', 60_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await b.get('claim:x')).toBe(results[0] ? 'a' : 'b');
    expect(await a.replaceIf('claim:gone', 'pending-1', 'a', 60_000)).toBe(false);
    expect(await a.get('claim:gone')).toBeUndefined();
    // The TTL is set again with the value.
    expect(await a.replaceIf('claim:x', results[0] ? 'a' : 'b', 'done', 150)).toBe(true);
    await waitFor(async () => (await b.get('claim:x')) === undefined, 5000, 'the replaced value to expire');
    await a.close();
    await b.close();
  });

  it('prefixes keys, expires with PX, lists by prefix with SCAN, reads many with MGET', async () => {
    const s = store(undefined, 'pfx:');
    await s.connect();
    await s.setMany([
      { key: 'entity:a', value: '1' },
      { key: 'entity:b', value: '2' },
    ]);
    await s.set('other', '3');
    await s.set('short', 'gone soon', 50);
    const raw = new Redis(server.url);
    expect(await raw.get('pfx:entity:a')).toBe('1');
    expect(await s.keys('entity:')).toEqual(['entity:a', 'entity:b']);
    expect(await s.getMany(['entity:a', 'missing', 'entity:b'])).toEqual(['1', undefined, '2']);
    await new Promise((r) => setTimeout(r, 120));
    expect(await s.get('short')).toBeUndefined();
    await s.delete('entity:a');
    expect(await s.get('entity:a')).toBeUndefined();
    raw.disconnect();
    await s.close();
  });

  it('while Redis is down: not healthy, metric 0, fails fast, keeps writes and writes them when it returns', async () => {
    const metrics = new Metrics();
    const s = store(metrics);
    await s.connect();
    expect(s.healthy()).toBe(true);
    await server.stop();
    await waitFor(() => !s.healthy(), 5000, 'unhealthy');
    expect(await metrics.registry.getSingleMetricAsString('meshguard_dependency_up')).toContain(
      'dependency="redis"} 0',
    );

    const started = Date.now();
    await s.set('entity:kept', 'baseline-v2');
    expect(await s.get('entity:kept')).toBe('baseline-v2');
    expect(await s.setIfAbsent('dedup:y', '1')).toBe(true);
    expect(await s.setIfAbsent('dedup:y', '1')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.pendingWrites()).toBe(1);

    await server.restart();
    await waitFor(() => s.healthy() && s.pendingWrites() === 0, 10_000, 'reconnect and flush');
    const raw = new Redis(server.url);
    expect(await raw.get('mg-test:entity:kept')).toBe('baseline-v2');
    expect(await metrics.registry.getSingleMetricAsString('meshguard_dependency_up')).toContain(
      'dependency="redis"} 1',
    );
    raw.disconnect();
    await s.close();
    await s.close();
  });

  it('connect() to an unreachable Redis resolves false instead of throwing', async () => {
    const s = new RedisStateStore(
      { ...DEFAULT_CONFIG.redis, url: 'redis://127.0.0.1:1', key_prefix: 'x:', snapshot_interval_secs: 30 },
      { logger },
    );
    expect(await s.connect()).toBe(false);
    expect(s.healthy()).toBe(false);
    expect(await s.get('a')).toBeUndefined();
    await s.close();
  });
});
