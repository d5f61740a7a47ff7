import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixKafkajsRequestQueue } from '../../../../../pipelines/sources/kafka/request-queue-fix.js';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

// kafkajs' own class, as every client of this process uses it.
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => Queue;
const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };
const newQueue = () =>
  new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: 'test',
    broker: '127.0.0.1:9092',
    logger: quietLogger,
  });

describe("kafkajs' request queue, fixed", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    fixKafkajsRequestQueue();
  });
  afterEach(() => vi.useRealTimers());

  it('keeps no timer running on a connection with nothing to send', () => {
    const queue = newQueue();
    const checks = vi.spyOn(queue, 'checkPendingRequests');
    queue.checkPendingRequests();
    // Unfixed, the check re-armed itself every millisecond: a thousand checks a second per connection.
    vi.advanceTimersByTime(1000);
    expect(checks).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('still checks every 10 ms while requests wait, and at the end of a throttle', () => {
    const queue = newQueue();
    const checks = vi.spyOn(queue, 'checkPendingRequests').mockImplementation(() => undefined);
    queue.pending.push({});
    queue.scheduleCheckPendingRequests();
    vi.advanceTimersByTime(9);
    expect(checks).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(checks).toHaveBeenCalledTimes(1);

    queue.pending.length = 0;
    queue.throttledUntil = Date.now() + 250;
    queue.scheduleCheckPendingRequests();
    vi.advanceTimersByTime(249);
    expect(checks).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(checks).toHaveBeenCalledTimes(2);
  });
});
