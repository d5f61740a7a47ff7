/**
 * kafkajs 2.2.4 (its last release) re-arms a timer after every check of a connection's request queue,
 * even when nothing is pending and nothing is throttled: from its first request on, each broker
 * connection runs a 1 ms setTimeout loop for as long as it lives (kafkajs issues #1556 and #1704, fixes
 * #1667 and #1768 open upstream). A scorer holds a connection per broker for its consumer and one for its
 * producer, so it spent about a tenth of its CPU on these timers under load, and burnt CPU while idle.
 *
 * The fix upstream proposes: a check is scheduled only when requests wait (every 10 ms, as kafkajs does)
 * or a throttle has yet to end. Nothing else is lost: kafkajs checks the queue itself when a request is
 * pushed and when one completes.
 */
import { createRequire } from 'node:module';

/** The part of kafkajs' RequestQueue the patched method reads and writes. */
interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs' own interval between checks while requests wait. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delayMs: number;
  if (this.pending.length > 0)
    delayMs = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (untilUnthrottled > 0) delayMs = untilUnthrottled;
  else return; // nothing waits: the next push or completed request checks the queue
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

let applied = false;

/** Replaces the method on kafkajs' RequestQueue once per process (every client shares the class). */
export function fixKafkajsRequestQueue(): void {
  if (applied) return;
  applied = true;
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
    prototype: { scheduleCheckPendingRequests: () => void };
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}
