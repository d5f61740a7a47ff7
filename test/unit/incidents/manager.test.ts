/**
 * The incident manager's promises to on-call: a new kind from the same offender is heard at once (its
 * own incident and response decision, even inside the dedup window), and a later, more severe finding
 * of the same offender re-runs the response decision instead of being folded in.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { fuse } from '../../../pipelines/incidents/fusion.js';
import { CART, ID, T0, finding, offer, replica as manager } from './helpers.js';

describe('IncidentManager', () => {
  it('opens a second incident, alert and decision for a new kind inside the dedup window', async () => {
    const { m, handled } = manager();
    offer(m, finding('scanning', 'connection_sweep', 0.9999, T0));
    offer(m, finding('scanning', 'connection_sweep', 0.9999, T0 + 10_000)); // same kind: folded in
    offer(m, finding('exfiltration', 'single_flow_volume', 0.9999, T0 + 120_000));
    await m.drain();
    expect(handled.map((i) => i.kind)).toEqual(['scanning', 'exfiltration']);
    expect(new Set(handled.map((i) => i.id)).size).toBe(2);
    expect(m.recent).toHaveLength(2);
    expect(m.recent[0]!.evidence.later_findings).toBe(1);
  });

  it('re-runs the response decision when the same offender and kind comes back more severe', async () => {
    const { m, handled } = manager();
    offer(m, finding('exfiltration', 'new_external_upload', 0.995, T0)); // low
    offer(m, finding('exfiltration', 'new_external_upload', 0.996, T0 + 60_000)); // still low: folded
    offer(m, finding('exfiltration', 'new_external_upload', 0.9997, T0 + 600_000)); // high
    await m.drain();
    expect(handled.map((i) => i.severity)).toEqual(['low', 'high']);
    expect(handled[1]!.id).toBe(handled[0]!.id);
    expect(handled[1]!.evidence.escalated_from).toMatchObject({ severity: 'low' });
    expect(handled[1]!.firstEventTime).toBe(handled[0]!.firstEventTime);
    expect(m.recent.map((i) => i.severity)).toEqual(['high']);
    expect(m.escalated).toBe(1);
  });

  it('does not re-raise a finding of the same or lower severity', async () => {
    const { m, handled } = manager();
    offer(m, finding('exfiltration', 'single_flow_volume', 0.9999, T0));
    offer(m, finding('exfiltration', 'single_flow_volume', 0.995, T0 + 60_000));
    offer(m, finding('exfiltration', 'single_flow_volume', 0.9999, T0 + 120_000));
    await m.drain();
    expect(handled).toHaveLength(1);
  });

  it('raises an incident once across replicas that share the store', async () => {
    const shared = new MemoryStateStore(() => T0);
    const [a, b] = [manager(shared), manager(shared)];
    offer(a.m, finding('scanning', 'connection_sweep', 0.9999, T0));
    offer(b.m, finding('scanning', 'connection_sweep', 0.9999, T0 + 20_000)); // the entity moved to b
    await Promise.all([a.m.drain(), b.m.drain()]);
    expect([...a.handled, ...b.handled]).toHaveLength(1);
  });

  it('dedups in event time: the same offender and kind a window later is raised again, however fast a backlog is read', async () => {
    // Wall time stands still (T0) while event time runs on: a backlog read after an outage.
    const shared = new MemoryStateStore(() => T0);
    const [a, b] = [manager(shared), manager(shared)];
    const hour = 3_600_000;
    const at = async (r: typeof a, timeMs: number) => {
      offer(r.m, finding('unauthorized_access', 'denial_burst', 0.9999, timeMs));
      await r.m.drain();
    };
    await at(a, T0 + 50 * 60_000);
    // 30 minutes later, in the next hour's bucket, on the other replica: still within the window.
    await at(b, T0 + 80 * 60_000);
    // A day later in event time, on either replica: a new incident, as replay raises it, once.
    await at(b, T0 + 24 * hour);
    await at(a, T0 + 24 * hour + 60_000);
    const raised = [...a.handled, ...b.handled].map((i) => i.detectedAt).sort();
    expect(raised).toEqual([
      new Date(T0 + 50 * 60_000).toISOString(),
      new Date(T0 + 24 * hour).toISOString(),
    ]);
  });

  it('raises the escalation on the replica the offender moved to, as an update of the incident raised before the move', async () => {
    // Replica a raised the incident and learned the window; the entity's partition moved to b (a kill, a
    // rebalance), whose next window finds it more severe. b has no memory of a's incident: only the claim.
    const shared = new MemoryStateStore(() => T0);
    const [a, b] = [manager(shared), manager(shared)];
    offer(a.m, finding('lateral_movement', 'new_destinations', 0.9996, T0)); // medium
    await a.m.drain();
    offer(b.m, finding('lateral_movement', 'new_destinations', 0.99975, T0 + 10_000)); // high
    await b.m.drain();
    expect(a.handled.map((i) => i.severity)).toEqual(['medium']);
    expect(b.handled.map((i) => i.severity)).toEqual(['high']);
    const [first, escalation] = [a.handled[0]!, b.handled[0]!];
    expect(escalation.id).toBe(first.id);
    expect(escalation.firstEventTime).toBe(first.firstEventTime);
    expect(escalation.evidence.escalated_from).toEqual({
      severity: 'medium',
      score: first.score,
      detectedAt: first.detectedAt,
    });
    expect(b.m.escalated).toBe(1);
    // Found again at the same severity on b, or on a (which still remembers medium): raised once only.
    offer(b.m, finding('lateral_movement', 'new_destinations', 0.99975, T0 + 20_000));
    offer(a.m, finding('lateral_movement', 'new_destinations', 0.99975, T0 + 30_000));
    await Promise.all([a.m.drain(), b.m.drain()]);
    expect([...a.handled, ...b.handled].map((i) => i.severity)).toEqual(['medium', 'high']);
  });

  it('never raises an incident again less severe than another replica raised it, and escalates on from there', async () => {
    const shared = new MemoryStateStore(() => T0);
    const [a, b] = [manager(shared), manager(shared)];
    offer(a.m, finding('exfiltration', 'new_external_upload', 0.9997, T0)); // high
    await a.m.drain();
    // The entity moved to b, which reads it as medium: a duplicate, folded into a's incident.
    offer(b.m, finding('exfiltration', 'new_external_upload', 0.9996, T0 + 10_000));
    offer(b.m, finding('exfiltration', 'new_external_upload', 0.9997, T0 + 20_000)); // high: raised already
    await b.m.drain();
    expect(b.handled).toEqual([]);
    const critical = [
      finding('exfiltration', 'new_external_upload', 0.99999, T0 + 30_000),
      finding('scanning', 'connection_sweep', 0.99, T0 + 30_000),
    ];
    b.m.offer(fuse(CART, critical)!, ID, T0 + 30_000);
    await b.m.drain();
    expect(b.handled.map((i) => [i.severity, i.id])).toEqual([['critical', a.handled[0]!.id]]);
    expect(b.handled[0]!.evidence.escalated_from).toMatchObject({ severity: 'high' });
  });
});
