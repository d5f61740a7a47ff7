/**
 * The one delivery helper every output uses (like the OpenTelemetry Collector's exporterhelper): a bounded
 * queue per channel, retries with exponential backoff and full jitter, Retry-After honoured on 429/503, a cap
 * on attempts, then a dead-letter record (a JSON line in a file when configured, always a log line and a
 * metric). Responders only classify one attempt (pipelines/core/delivery.ts `Delivery`); they never retry.
 *
 * Time is injected (`sleep`, `random`, `now`) so tests drive retries without waiting.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Delivery } from '../core/delivery.js';

/** Waits `ms`, or less when `signal` aborts (it resolves then; it never rejects). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A server asking for a longer pause than this is waited for this long only (one bad header must not stall a channel for a day). */
  maxRetryAfterMs: number;
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): a uniform draw in
 * [0, min(max, initial * 2^(attempt-1))]. Spreads retries of many replicas hitting the same rate limit.
 * `attempt` is the attempt that just failed, starting at 1.
 */
export function backoffDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3). Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The shared classification of an HTTP answer: 2xx ok; 408, 429 and 5xx retryable (with Retry-After when
 * given); any other status permanent (the request itself is wrong: retrying cannot help).
 */
export function classifyHttpStatus(
  status: number,
  retryAfter: string | null,
  nowMs: number,
  error: Error,
): Delivery {
  if (status >= 200 && status < 300) return { code: 'ok' };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
    return retryAfterMs === undefined
      ? { code: 'retryable', error }
      : { code: 'retryable', error, retryAfterMs };
  }
  return { code: 'permanent', error };
}

export interface DeadLetter {
  time: string;
  channel: string;
  reason: string;
  attempts: number;
  record: unknown;
}

export interface DeliveryQueueOptions<T> {
  /** Channel name: metric label and log field. Bounded (configured channel names only). */
  channel: string;
  send(item: T, signal: AbortSignal): Promise<Delivery>;
  retry: RetryPolicy;
  /** Items waiting beyond this are refused (dead-lettered with reason "queue full") instead of growing memory. */
  maxQueue: number;
  logger: Logger;
  /** Delivered / failed-for-good counters, labelled by channel. */
  counters?: { sent?: Counter<'channel'>; failed?: Counter<'channel'> };
  /** Counts records written to the dead-letter file (label `destination`). */
  deadLetterCounter?: Counter<'destination'>;
  deadLetterFile?: string;
  /** What the dead-letter record and log lines carry about an item; it must not include secrets. */
  describe?(item: T): { record: unknown; fields?: Record<string, unknown> };
  onDelivered?(item: T, attempts: number): void | Promise<void>;
  onDeadLetter?(item: T, reason: string): void | Promise<void>;
  sleep?: Sleep;
  random?: () => number;
  /** Wall clock, for Retry-After dates and dead-letter timestamps. */
  now?: () => number;
}

/**
 * A bounded FIFO with one worker: items of a channel go out in order (a resolve never overtakes its
 * trigger), and a channel that is down does not hold up the others (one queue per channel).
 */
export class DeliveryQueue<T> {
  private readonly items: T[] = [];
  private readonly abort = new AbortController();
  private worker: Promise<void> | undefined;
  private running = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly opts: DeliveryQueueOptions<T>) {
    this.sleep = opts.sleep ?? realSleep;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  /** Items waiting or in flight. */
  get size(): number {
    return this.items.length;
  }

  /** Queue an item; false when refused (queue full or shut down), in which case it was dead-lettered. */
  enqueue(item: T): boolean {
    if (this.closed) {
      void this.deadLetter(item, 'channel is shut down', 0);
      return false;
    }
    if (this.items.length >= this.opts.maxQueue) {
      void this.deadLetter(item, `queue full (${this.opts.maxQueue} waiting)`, 0);
      return false;
    }
    this.items.push(item);
    if (!this.running) {
      this.running = true;
      this.worker = this.run();
    }
    return true;
  }

  /** Resolves when every queued item has been delivered or dead-lettered. */
  drain(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop taking items, give the queue until `deadlineMs` (wall time budget) to drain, then abort the
   * attempt in flight and dead-letter what is left so nothing disappears silently. Idempotent.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
      timer.unref();
    });
    const outcome = await Promise.race([this.drain().then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') this.abort.abort();
    await this.worker;
  }

  private async run(): Promise<void> {
    while (this.items.length > 0) {
      const item = this.items[0] as T;
      if (this.abort.signal.aborted) await this.deadLetter(item, 'not delivered before shutdown', 0);
      else await this.deliver(item);
      this.items.shift();
    }
    // Cleared before waking waiters, so an enqueue from their continuations starts a new worker.
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async deliver(item: T): Promise<void> {
    const { retry, logger, channel } = this.opts;
    const fields = this.opts.describe?.(item).fields ?? {};
    for (let attempt = 1; ; attempt++) {
      let result: Delivery;
      try {
        result = await this.opts.send(item, this.abort.signal);
      } catch (error) {
        // Responders must not throw; one that does has a bug that a retry will not fix.
        result = { code: 'permanent', error: error instanceof Error ? error : new Error(String(error)) };
      }
      if (result.code === 'ok') {
        this.opts.counters?.sent?.inc({ channel });
        logger.debug({ channel, attempts: attempt, ...fields }, 'Delivered.');
        await this.safely(() => this.opts.onDelivered?.(item, attempt));
        return;
      }
      if (result.code === 'permanent') {
        await this.deadLetter(item, `permanent failure: ${result.error.message}`, attempt);
        return;
      }
      if (this.abort.signal.aborted) {
        await this.deadLetter(item, `not delivered before shutdown: ${result.error.message}`, attempt);
        return;
      }
      if (attempt >= retry.maxAttempts) {
        await this.deadLetter(item, `gave up after ${attempt} attempts: ${result.error.message}`, attempt);
        return;
      }
      const delayMs =
        result.retryAfterMs !== undefined
          ? Math.min(result.retryAfterMs, retry.maxRetryAfterMs)
          : backoffDelayMs(attempt, retry, this.random);
      logger.warn(
        { channel, attempt, delay_ms: delayMs, error: result.error.message, ...fields },
        'Delivery failed; retrying after a pause.',
      );
      await this.sleep(delayMs, this.abort.signal);
      if (this.abort.signal.aborted) {
        await this.deadLetter(item, `not delivered before shutdown: ${result.error.message}`, attempt);
        return;
      }
    }
  }

  private async deadLetter(item: T, reason: string, attempts: number): Promise<void> {
    const { channel, logger } = this.opts;
    const described = this.opts.describe?.(item);
    this.opts.counters?.failed?.inc({ channel });
    logger.error(
      { channel, attempts, reason, ...(described?.fields ?? {}) },
      'Delivery failed for good; dead-lettered.',
    );
    const file = this.opts.deadLetterFile;
    if (file) {
      const entry: DeadLetter = {
        time: new Date(this.now()).toISOString(),
        channel,
        reason,
        attempts,
        record: described?.record ?? null,
      };
      try {
        await mkdir(dirname(file), { recursive: true });
        await appendFile(file, JSON.stringify(entry) + '\n', 'utf8');
        this.opts.deadLetterCounter?.inc({ destination: 'file' });
      } catch (error) {
        logger.error(
          { channel, file, error: (error as Error).message },
          'Cannot write the dead-letter file.',
        );
      }
    }
    await this.safely(() => this.opts.onDeadLetter?.(item, reason));
  }

  private async safely(hook: () => void | Promise<void>): Promise<void> {
    try {
      await hook();
    } catch (error) {
      this.opts.logger.error(
        { channel: this.opts.channel, error: (error as Error).message },
        'Delivery hook failed.',
      );
    }
  }
}
