/**
 * Early decisions: the detectors run when a window ends, so an attack is raised then, not after the
 * allowed lateness; the closed window is scored again without raising the same incident twice.
 */
import { describe, expect, it } from 'vitest';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const CART = principalOf('shop', 'cart');
const IDENTITY = 'identity.identity.svc.cluster.local';

function traffic() {
  const attackAt = T0 + 10 * MIN + 3_000; // 3 s into a window
  const stuffing = Array.from({ length: 60 }, (_, i) =>
    ev({ src: CART, dst: IDENTITY, timeMs: attackAt + i * 100, method: 'POST', path: '/login', status: 401 }),
  );
  const end = T0 + 12 * MIN;
  return {
    attackAt,
    events: merge(
      steady(CART, ['orders.shop.svc.cluster.local', IDENTITY], T0, end, 3),
      steady(principalOf('shop', 'frontend'), ['catalog.shop.svc.cluster.local'], T0, end, 5),
      stuffing,
    ),
  };
}

describe('early decisions', () => {
  it('raises an attack when its window ends, once', async () => {
    const { attackAt, events } = traffic();
    const { incidents } = await runEvents(events);
    expect(incidents).toHaveLength(1);
    const windowEnd = Math.ceil(attackAt / 10_000) * 10_000;
    expect(incidents[0]!.kind).toBe('unauthorized_access');
    expect(Date.parse(incidents[0]!.detectedAt)).toBe(windowEnd);
  });

  it('without them, waits for the window to close after the allowed lateness', async () => {
    const { attackAt, events } = traffic();
    const { incidents } = await runEvents(events, { windowing: { early_decisions: false } });
    expect(incidents).toHaveLength(1);
    const windowEnd = Math.ceil(attackAt / 10_000) * 10_000;
    expect(Date.parse(incidents[0]!.detectedAt)).toBeGreaterThanOrEqual(windowEnd + 5_000);
  });
});
