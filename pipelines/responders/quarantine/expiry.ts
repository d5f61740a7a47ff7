/**
 * The TTL: every live quarantine past its expires-at by the injected clock (event time in replay, wall
 * time in serve) is released by `ttl`. Unapproved ones expire the same way.
 */
import type { QuarantineContext } from './context.js';
import { isLive, QuarantineError, type QuarantineRecord } from './record.js';

/** Release every quarantine whose TTL ran out by `nowMs`. Never throws for one record: the next tick retries. */
export async function expireDue(ctx: QuarantineContext, nowMs: number): Promise<QuarantineRecord[]> {
  const released: QuarantineRecord[] = [];
  for (const record of await ctx.ledger.list()) {
    if (!isLive(record)) continue;
    if (Date.parse(record.expiresAt) > nowMs) continue;
    try {
      const why =
        record.state === 'pending-approval'
          ? `not approved within quarantine.ttl_secs (${ctx.cfg.ttl_secs}s)`
          : `TTL of ${ctx.cfg.ttl_secs}s ran out (quarantine.ttl_secs)`;
      released.push(await ctx.enforcer.release(record, 'ttl', why, 'expire'));
    } catch (error) {
      // Another replica released it first (conflict), or the sink is down: the next tick tries again.
      if (!(error instanceof QuarantineError && error.code === 'conflict'))
        ctx.logger.warn(
          { quarantineId: record.id, error: (error as Error).message },
          'Could not release an expired quarantine; will retry.',
        );
    }
  }
  return released;
}
