/** Incident managers playing replicas that share a state store, and the findings offered to them. */
import pino from 'pino';
import type { Finding } from '../../../pipelines/core/finding.js';
import type { Incident, IncidentKind } from '../../../pipelines/core/incident.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { fuse } from '../../../pipelines/incidents/fusion.js';
import { IncidentManager, type OffenderIdentity } from '../../../pipelines/incidents/manager.js';

export const T0 = Date.parse('2026-11-02T10:00:00Z');
export const CART = 'spiffe://cluster.local/ns/shop/sa/cart';
export const ID: OffenderIdentity = {
  principal: CART,
  namespace: 'shop',
  serviceAccount: 'cart',
  workload: '',
  address: '',
};

/**
 * A manager; give two the same `state` to play two replicas sharing Redis (by default wall time stands
 * still in the store). `publish` decides when (or whether: never, for a replica killed mid-way) its
 * handler returns.
 */
export function replica(
  state = new MemoryStateStore(() => T0),
  opts: { publish?: () => Promise<void>; claimLeaseMs?: number } = {},
): { m: IncidentManager; handled: Incident[] } {
  const handled: Incident[] = [];
  const m = new IncidentManager({
    dedupWindowMs: 3_600_000,
    maxKept: 100,
    state,
    metrics: new Metrics(),
    logger: pino({ level: 'silent' }),
    ...(opts.claimLeaseMs ? { claimLeaseMs: opts.claimLeaseMs } : {}),
    handler: async (incident) => {
      await opts.publish?.();
      handled.push(structuredClone(incident));
      return { ...incident, action: { type: 'alert' } };
    },
  });
  return { m, handled };
}

export function finding(kind: IncidentKind, detector: string, score: number, atMs: number): Finding {
  const evidence =
    detector === 'new_destinations' ? { new_destinations: ['a', 'b', 'c'], known_destinations: 7 } : {};
  return { detector, kind, entity: CART, score, timeMs: atMs, firstEventMs: atMs - 5000, evidence };
}

export function offer(m: IncidentManager, f: Finding): void {
  m.offer(fuse(CART, [f])!, ID, f.timeMs);
}
