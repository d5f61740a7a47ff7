/**
 * The outcome of one delivery attempt, as a responder classifies it (the Collector's consumererror):
 * permanent failures are dead-lettered at once, retryable ones retried by the delivery helper
 * (pipelines/runtime/delivery.ts) after the server's Retry-After when it gave one.
 */
export type Delivery =
  | { code: 'ok' }
  | { code: 'retryable'; error: Error; retryAfterMs?: number }
  | { code: 'permanent'; error: Error };
