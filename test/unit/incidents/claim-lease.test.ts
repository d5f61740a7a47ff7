/**
 * A replica killed between claiming an incident and publishing it must not take the incident with it:
 * its claim stays pending under a lease, and the replica the offender's records move to raises the
 * incident once the lease has run out. A replica that is only slow keeps its incident: raised once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { parseClaim } from '../../../pipelines/incidents/claims.js';
import { T0, finding, offer as offerFinding, replica as replicaOn } from './helpers.js';
import type { IncidentKind } from '../../../pipelines/core/incident.js';
import type { IncidentManager } from '../../../pipelines/incidents/manager.js';

const LEASE_MS = 300;
const replica = (state: MemoryStateStore, publish?: () => Promise<void>) =>
  replicaOn(state, { claimLeaseMs: LEASE_MS, ...(publish ? { publish } : {}) });

const never = () => new Promise<void>(() => undefined);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function offer(m: IncidentManager, kind: IncidentKind, detector: string, score: number, atMs: number): void {
  offerFinding(m, finding(kind, detector, score, atMs));
}

/** Wall time runs (the lease is wall time); the store's TTLs are far longer than the test. */
const store = () => new MemoryStateStore();

describe('incident claims across a kill', () => {
  it('raises on the replica the records moved to when the claimant died before publishing', async () => {
    const shared = store();
    const killed = replica(shared, never);
    offer(killed.m, 'scanning', 'connection_sweep', 0.9999, T0);
    await sleep(20); // claimed, stuck in its handler: as good as SIGKILLed before the publish
    const [claim] = await shared.keys('incident:');
    expect(parseClaim(await shared.get(claim!))?.pendingUntilMs).toBeGreaterThan(Date.now());

    const next = replica(shared);
    offer(next.m, 'scanning', 'connection_sweep', 0.9999, T0 + 2000); // the backlog, read again
    await next.m.drain();
    expect(next.handled).toEqual([]); // the lease is still running: the claimant may yet publish
    await sleep(LEASE_MS + 400);
    await next.m.drain();
    expect(next.handled.map((i) => i.kind)).toEqual(['scanning']);
    // Published: the claim no longer has a lease, so nobody takes it over again.
    expect(parseClaim(await shared.get(claim!))?.pendingUntilMs).toBeUndefined();
    const late = replica(shared);
    offer(late.m, 'scanning', 'connection_sweep', 0.9999, T0 + 4000);
    await late.m.drain();
    await sleep(LEASE_MS + 400);
    expect(late.handled).toEqual([]);
  });

  it('leaves the incident to a claimant that is slow but alive: raised once', async () => {
    const shared = store();
    const slow = replica(shared, () => sleep(LEASE_MS / 2));
    const other = replica(shared);
    offer(slow.m, 'exfiltration', 'single_flow_volume', 0.9999, T0);
    await sleep(20);
    offer(other.m, 'exfiltration', 'single_flow_volume', 0.9999, T0 + 1000);
    await Promise.all([slow.m.drain(), other.m.drain()]);
    await sleep(LEASE_MS + 400);
    await other.m.drain();
    expect([...slow.handled, ...other.handled]).toHaveLength(1);
    expect(slow.handled).toHaveLength(1);
  });

  it('raises the escalation a killed replica claimed but never published', async () => {
    const shared = store();
    let stuck = false;
    const killed = replica(shared, () => (stuck ? never() : Promise.resolve()));
    offer(killed.m, 'lateral_movement', 'new_destinations', 0.9996, T0); // medium: published
    await killed.m.drain();
    stuck = true;
    offer(killed.m, 'lateral_movement', 'new_destinations', 0.99975, T0 + 10_000); // high: claimed, then killed
    await sleep(20);

    const next = replica(shared);
    offer(next.m, 'lateral_movement', 'new_destinations', 0.99975, T0 + 10_000);
    await sleep(LEASE_MS + 400);
    await next.m.drain();
    expect(killed.handled.map((i) => i.severity)).toEqual(['medium']);
    expect(next.handled.map((i) => i.severity)).toEqual(['high']);
    expect(next.handled[0]!.id).toBe(killed.handled[0]!.id);
    expect(next.handled[0]!.evidence.escalated_from).toMatchObject({ severity: 'medium' });
  });
});
