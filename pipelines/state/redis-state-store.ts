/**
 * StateStore on Redis (ioredis): entity snapshots, cross-replica incident dedup, the quarantine ledger.
 *
 * Redis being down must not stop scoring, so this store degrades instead of throwing:
 * - commands fail fast while disconnected (enableOfflineQueue: false) instead of queueing without bound;
 * - writes made while Redis is away are kept (latest value per key, bounded) and written again when it
 *   returns, so dirty entity state is not lost;
 * - setIfAbsent and replaceIf fall back to a local memory store, so dedup still holds within this replica;
 * - reads return undefined (callers start from a fresh baseline).
 * healthy() and meshguard_dependency_up{dependency="redis"} tell the truth about the connection.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Metrics } from '../core/metrics.js';
import { MemoryStateStore, type StateStore } from '../core/state-store.js';
import type { RedisConfig } from './config.js';
import { redisCredentials } from './redis-auth.js';

/** Bound on writes kept while Redis is unreachable (one entry per key, newest wins). */
export const MAX_PENDING_WRITES = 100_000;

/** Compare-and-set in one step on the server: GET, compare, SET (with PX when the TTL is above 0). */
const REPLACE_IF = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`;

type PendingWrite = { op: 'set'; value: string; expiresAt: number } | { op: 'delete' };

export interface RedisStateStoreDeps {
  logger: Logger;
  metrics?: Metrics;
  /** Tests shorten the reconnect backoff. */
  maxRetryDelayMs?: number;
}

export class RedisStateStore implements StateStore {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly pending = new Map<string, PendingWrite>();
  /** Dedup while Redis is down: the same answers within this replica, forgotten once Redis returns. */
  private readonly localFallback = new MemoryStateStore();
  private flushing: Promise<void> | undefined;
  private closed = false;
  private droppedWrites = 0;

  constructor(
    private readonly cfg: RedisConfig,
    private readonly deps: RedisStateStoreDeps,
  ) {
    this.prefix = cfg.key_prefix;
    const maxDelay = deps.maxRetryDelayMs ?? 5000;
    const options: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      // Exponential backoff with jitter, capped, forever: Redis coming back is the normal case.
      retryStrategy: (times) =>
        Math.min(maxDelay, 100 * 2 ** Math.min(times, 10)) + Math.floor(Math.random() * 100),
      ...redisCredentials(cfg),
    };
    this.client = new Redis(cfg.url, options);
    this.setUp(false);
    this.client.on('ready', () => {
      deps.logger.info({ dependency: 'redis' }, 'Redis connection is ready');
      this.setUp(true);
      void this.flushPending();
    });
    this.client.on('close', () => {
      if (!this.closed) this.setUp(false);
    });
    this.client.on('error', (error: Error) => {
      // ioredis emits every failed reconnect; the warning says once per outage what is going on.
      if (this.up)
        deps.logger.warn(
          { dependency: 'redis', error: error.message },
          'Redis is unreachable; scoring continues from memory',
        );
      this.setUp(false);
    });
  }

  private up = false;
  private setUp(up: boolean): void {
    this.up = up;
    this.deps.metrics?.dependencyUp.set({ dependency: 'redis' }, up ? 1 : 0);
  }

  /** Connect once; resolves either way (an unreachable Redis at start-up is retried in the background). */
  async connect(): Promise<boolean> {
    try {
      await this.client.connect();
      return true;
    } catch (error) {
      this.deps.logger.warn(
        { dependency: 'redis', error: (error as Error).message },
        'Redis is unreachable at start-up; retrying in the background, state stays in memory until then',
      );
      return false;
    }
  }

  healthy(): boolean {
    return this.client.status === 'ready';
  }

  /** Writes waiting for Redis to return. */
  pendingWrites(): number {
    return this.pending.size;
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | undefined> {
    const waiting = this.pending.get(key);
    if (waiting) return waiting.op === 'set' ? waiting.value : undefined;
    if (!this.healthy()) return undefined;
    try {
      return (await this.client.get(this.k(key))) ?? undefined;
    } catch (error) {
      this.failed('get', error);
      return undefined;
    }
  }

  /** One MGET for many keys (loading the state of a batch's new entities in one round trip). */
  async getMany(keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    let fromRedis: Array<string | null> = [];
    if (this.healthy()) {
      try {
        fromRedis = await this.client.mget(...keys.map((key) => this.k(key)));
      } catch (error) {
        this.failed('mget', error);
      }
    }
    return keys.map((key, i) => {
      const waiting = this.pending.get(key);
      if (waiting) return waiting.op === 'set' ? waiting.value : undefined;
      return fromRedis[i] ?? undefined;
    });
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (this.healthy()) {
      try {
        if (ttlMs) await this.client.set(this.k(key), value, 'PX', ttlMs);
        else await this.client.set(this.k(key), value);
        this.pending.delete(key);
        return;
      } catch (error) {
        this.failed('set', error);
      }
    }
    this.keep(key, { op: 'set', value, expiresAt: ttlMs ? Date.now() + ttlMs : 0 });
  }

  /** Many writes in one pipeline round trip (the dirty entities after a batch). */
  async setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs?: number }>): Promise<void> {
    if (entries.length === 0) return;
    if (this.healthy()) {
      try {
        const pipeline = this.client.pipeline();
        for (const { key, value, ttlMs } of entries) {
          if (ttlMs) pipeline.set(this.k(key), value, 'PX', ttlMs);
          else pipeline.set(this.k(key), value);
        }
        const results = (await pipeline.exec()) ?? [];
        const failedAt = results.findIndex(([error]) => error);
        if (failedAt < 0) {
          for (const { key } of entries) this.pending.delete(key);
          return;
        }
        this.failed('set', results[failedAt]![0]);
      } catch (error) {
        this.failed('set', error);
      }
    }
    for (const { key, value, ttlMs } of entries)
      this.keep(key, { op: 'set', value, expiresAt: ttlMs ? Date.now() + ttlMs : 0 });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.healthy()) {
      try {
        const reply = ttlMs
          ? await this.client.set(this.k(key), value, 'PX', ttlMs, 'NX')
          : await this.client.set(this.k(key), value, 'NX');
        if (reply !== 'OK') return false;
        // Also remember it locally so a later outage does not let this replica raise it again.
        await this.localFallback.set(key, value, ttlMs);
        return true;
      } catch (error) {
        this.failed('setIfAbsent', error);
      }
    }
    return this.localFallback.setIfAbsent(key, value, ttlMs);
  }

  async replaceIf(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.healthy()) {
      try {
        const replaced = await this.client.eval(REPLACE_IF, 1, this.k(key), expected, value, ttlMs ?? 0);
        if (replaced !== 1) return false;
        await this.localFallback.set(key, value, ttlMs);
        return true;
      } catch (error) {
        this.failed('replaceIf', error);
      }
    }
    return this.localFallback.replaceIf(key, expected, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.localFallback.delete(key);
    if (this.healthy()) {
      try {
        await this.client.del(this.k(key));
        this.pending.delete(key);
        return;
      } catch (error) {
        this.failed('delete', error);
      }
    }
    this.keep(key, { op: 'delete' });
  }

  async keys(prefix: string): Promise<string[]> {
    const found = new Set<string>();
    if (this.healthy()) {
      try {
        // SCAN, never KEYS: it does not block Redis on a large keyspace.
        let cursor = '0';
        const match = `${escapeGlob(this.k(prefix))}*`;
        do {
          const [next, batch] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', 500);
          cursor = next;
          for (const full of batch) found.add(full.slice(this.prefix.length));
        } while (cursor !== '0');
      } catch (error) {
        this.failed('scan', error);
      }
    }
    for (const [key, write] of this.pending) {
      if (!key.startsWith(prefix)) continue;
      if (write.op === 'delete') found.delete(key);
      else found.add(key);
    }
    return [...found].sort();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.healthy() && this.pending.size) await this.flushPending();
    this.closed = true;
    if (this.pending.size)
      this.deps.logger.warn(
        { dependency: 'redis', writes: this.pending.size },
        'Closing with state writes Redis never received',
      );
    try {
      if (this.client.status === 'ready') await this.client.quit();
      else this.client.disconnect();
    } catch {
      this.client.disconnect();
    }
    this.setUp(false);
  }

  private keep(key: string, write: PendingWrite): void {
    if (!this.pending.has(key) && this.pending.size >= MAX_PENDING_WRITES) {
      // Bounded: the oldest waiting write goes (its entity restarts its baseline on another replica).
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
      this.droppedWrites++;
    }
    this.pending.delete(key);
    this.pending.set(key, write);
  }

  private failed(op: string, error: unknown): void {
    this.deps.logger.debug(
      { dependency: 'redis', op, error: (error as Error)?.message ?? String(error) },
      'Redis command failed',
    );
  }

  /** Write everything kept during an outage (newest value per key), in one pipeline. */
  private flushPending(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      // Yield first so `this.flushing` is assigned before the finally below can clear it.
      await Promise.resolve();
      try {
        while (this.pending.size && this.healthy()) {
          const batch = [...this.pending.entries()].slice(0, 1000);
          const pipeline = this.client.pipeline();
          const now = Date.now();
          for (const [key, write] of batch) {
            if (write.op === 'delete') pipeline.del(this.k(key));
            else if (write.expiresAt === 0) pipeline.set(this.k(key), write.value);
            else if (write.expiresAt > now)
              pipeline.set(this.k(key), write.value, 'PX', write.expiresAt - now);
            else pipeline.del(this.k(key));
          }
          const results = (await pipeline.exec()) ?? [];
          const failure = results.find(([error]) => error);
          if (failure) {
            this.failed('flush', failure[0]);
            break;
          }
          for (const [key, write] of batch) if (this.pending.get(key) === write) this.pending.delete(key);
        }
        if (!this.pending.size)
          this.deps.logger.info(
            { dependency: 'redis', dropped: this.droppedWrites },
            'State kept during the Redis outage is written',
          );
      } catch (error) {
        this.failed('flush', error);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Optional batch operations a StateStore may offer (RedisStateStore does; callers fall back per key). */
export interface BatchStateStore {
  getMany(keys: readonly string[]): Promise<Array<string | undefined>>;
  setMany(entries: ReadonlyArray<{ key: string; value: string; ttlMs?: number }>): Promise<void>;
}

export function isBatchStateStore(store: unknown): store is BatchStateStore {
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof (store as BatchStateStore).getMany === 'function' &&
    typeof (store as BatchStateStore).setMany === 'function'
  );
}
