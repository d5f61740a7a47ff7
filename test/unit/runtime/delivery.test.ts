import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../pipelines/core/delivery.js';
import {
  DeliveryQueue,
  backoffDelayMs,
  classifyHttpStatus,
  parseRetryAfter,
  realSleep,
  type DeadLetter,
  type RetryPolicy,
  type Sleep,
} from '../../../pipelines/runtime/delivery.js';
import { Metrics } from '../../../pipelines/core/metrics.js';

const policy: RetryPolicy = {
  maxAttempts: 4,
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
  maxRetryAfterMs: 60_000,
};

function fakeSleep(): { sleep: Sleep; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

async function counter(
  metrics: Metrics,
  name: 'alertsSent' | 'alertsFailed',
  channel: string,
): Promise<number> {
  const data = await metrics[name].get();
  return data.values.find((v) => v.labels.channel === channel)?.value ?? 0;
}

function queueWith(
  answers: Delivery[],
  extra: Partial<ConstructorParameters<typeof DeliveryQueue<string>>[0]> = {},
): { queue: DeliveryQueue<string>; calls: string[]; metrics: Metrics; delays: number[] } {
  const calls: string[] = [];
  const metrics = new Metrics();
  const { sleep, delays } = fakeSleep();
  const queue = new DeliveryQueue<string>({
    channel: 'test',
    send: async (item) => {
      calls.push(item);
      return answers.shift() ?? { code: 'ok' };
    },
    retry: policy,
    maxQueue: 10,
    logger: pino({ level: 'silent' }),
    counters: { sent: metrics.alertsSent, failed: metrics.alertsFailed },
    sleep,
    random: () => 1,
    ...extra,
  });
  return { queue, calls, metrics, delays };
}

const retryable = (retryAfterMs?: number): Delivery =>
  retryAfterMs === undefined
    ? { code: 'retryable', error: new Error('HTTP 503') }
    : { code: 'retryable', error: new Error('HTTP 429'), retryAfterMs };

describe('backoff', () => {
  it('grows exponentially up to the cap, with full jitter between 0 and the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('Retry-After and HTTP classification', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
  it('classifies 2xx ok, 408/429/5xx retryable, other 4xx permanent', () => {
    const e = new Error('x');
    expect(classifyHttpStatus(200, null, now, e).code).toBe('ok');
    expect(classifyHttpStatus(202, null, now, e).code).toBe('ok');
    for (const s of [400, 401, 403, 404, 410, 422])
      expect(classifyHttpStatus(s, null, now, e).code).toBe('permanent');
    for (const s of [408, 429, 500, 502, 503, 504])
      expect(classifyHttpStatus(s, null, now, e).code).toBe('retryable');
    expect(classifyHttpStatus(429, '3', now, e)).toMatchObject({ code: 'retryable', retryAfterMs: 3000 });
  });
});

describe('DeliveryQueue', () => {
  it('retries retryable failures with backoff, then delivers and counts it as sent', async () => {
    const { queue, calls, metrics, delays } = queueWith([retryable(), retryable()]);
    queue.enqueue('a');
    await queue.drain();
    expect(calls).toEqual(['a', 'a', 'a']);
    expect(delays).toEqual([100, 200]);
    expect(await counter(metrics, 'alertsSent', 'test')).toBe(1);
    expect(await counter(metrics, 'alertsFailed', 'test')).toBe(0);
  });

  it('waits what Retry-After asks instead of the backoff, capped by maxRetryAfterMs', async () => {
    const { queue, delays } = queueWith([retryable(5000), retryable(10 * 60_000)]);
    queue.enqueue('a');
    await queue.drain();
    expect(delays).toEqual([5000, 60_000]);
  });

  it('does not retry a permanent failure', async () => {
    const { queue, calls, metrics } = queueWith([{ code: 'permanent', error: new Error('HTTP 400') }]);
    queue.enqueue('a');
    await queue.drain();
    expect(calls).toEqual(['a']);
    expect(await counter(metrics, 'alertsFailed', 'test')).toBe(1);
  });

  it('gives up after maxAttempts and appends a dead-letter JSON line with the reason', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mg-dlq-')), 'nested', 'dead.jsonl');
    const dead: string[] = [];
    const { queue, calls, metrics } = queueWith(
      Array.from({ length: 10 }, () => retryable()),
      {
        deadLetterFile: file,
        describe: (item) => ({ record: { item } }),
        onDeadLetter: (item, reason) => void dead.push(`${item}: ${reason}`),
        now: () => Date.parse('2025-01-01T00:00:00Z'),
      },
    );
    queue.enqueue('a');
    await queue.drain();
    expect(calls).toHaveLength(4);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as DeadLetter;
    expect(entry).toMatchObject({
      channel: 'test',
      attempts: 4,
      record: { item: 'a' },
      time: '2025-01-01T00:00:00.000Z',
    });
    expect(entry.reason).toMatch(/gave up after 4 attempts: HTTP 503/);
    expect(dead).toEqual([expect.stringMatching(/^a: gave up/)]);
    expect(await counter(metrics, 'alertsFailed', 'test')).toBe(1);
  });

  it('treats a responder that throws as a permanent failure, without crashing the queue', async () => {
    const metrics = new Metrics();
    const queue = new DeliveryQueue<string>({
      channel: 'test',
      send: async (item) => {
        if (item === 'bad') throw new Error('bug');
        return { code: 'ok' };
      },
      retry: policy,
      maxQueue: 10,
      logger: pino({ level: 'silent' }),
      counters: { sent: metrics.alertsSent, failed: metrics.alertsFailed },
    });
    queue.enqueue('bad');
    queue.enqueue('good');
    await queue.drain();
    expect(await counter(metrics, 'alertsFailed', 'test')).toBe(1);
    expect(await counter(metrics, 'alertsSent', 'test')).toBe(1);
  });

  it('keeps order and refuses items beyond maxQueue (dead-lettered, not grown)', async () => {
    const refused: string[] = [];
    const { queue, calls } = queueWith([], {
      maxQueue: 2,
      onDeadLetter: (item, reason) => void refused.push(`${item}:${reason}`),
    });
    expect(queue.enqueue('1')).toBe(true);
    expect(queue.enqueue('2')).toBe(true);
    expect(queue.enqueue('3')).toBe(false);
    await queue.drain();
    expect(calls).toEqual(['1', '2']);
    expect(refused).toEqual([expect.stringMatching(/^3:queue full/)]);
  });

  it('on shutdown flushes within the deadline, then aborts and dead-letters the rest', async () => {
    const metrics = new Metrics();
    const reasons: string[] = [];
    let attempts = 0;
    const queue = new DeliveryQueue<string>({
      channel: 'slow',
      // A server that always answers 503: the real sleep would wait 10 s between attempts.
      send: async () => {
        attempts++;
        return { code: 'retryable', error: new Error('HTTP 503') };
      },
      retry: { maxAttempts: 10, initialBackoffMs: 10_000, maxBackoffMs: 10_000, maxRetryAfterMs: 0 },
      maxQueue: 10,
      logger: pino({ level: 'silent' }),
      counters: { failed: metrics.alertsFailed },
      sleep: realSleep,
      random: () => 1,
      onDeadLetter: (item, reason) => void reasons.push(`${item}:${reason}`),
    });
    queue.enqueue('a');
    queue.enqueue('b');
    const started = Date.now();
    await queue.shutdown(100);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(attempts).toBe(1);
    expect(reasons).toEqual([
      expect.stringMatching(/^a:not delivered before shutdown/),
      expect.stringMatching(/^b:not delivered before shutdown/),
    ]);
    expect(await counter(metrics, 'alertsFailed', 'slow')).toBe(2);
    expect(queue.enqueue('c')).toBe(false);
    await queue.shutdown(100); // idempotent
  });
});
