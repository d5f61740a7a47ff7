/** createResponders: the quarantine decision lands on the incident before its alert; a release sends a resolve. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../config/validate.js';
import type { Incident } from '../../../../pipelines/core/incident.js';
import { createResponders } from '../../../../pipelines/responders/index.js';
import { NoneSink } from '../../../../pipelines/responders/quarantine/index.js';
import { FakeClock, incident, settings } from './fixtures.js';

class FakeAlerts {
  readonly sent: Array<{ event: 'trigger' | 'resolve'; incident: Incident }> = [];
  shutdowns = 0;
  async notify(incident: Incident, event: 'trigger' | 'resolve'): Promise<void> {
    this.sent.push({ event, incident: structuredClone(incident) });
  }
  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

function setup(overrides: Record<string, unknown> = {}) {
  const cfg = resolveConfig({
    quarantine: {
      sink: 'none',
      mode: 'enforce',
      approval_below_severity: 'low',
      ttl_secs: 600,
      ...overrides,
    },
  });
  const clock = new FakeClock();
  const alerts = new FakeAlerts();
  const r = createResponders(cfg, settings(clock), { alerts, sink: new NoneSink() });
  return { r, alerts, clock };
}

describe('createResponders', () => {
  it('decides the quarantine, then alerts with the decided action', async () => {
    const { r, alerts } = setup();
    const out = await r.handle(incident({ id: 'inc-r1' }));
    expect(out.action).toMatchObject({ type: 'quarantine', mode: 'enforce' });
    expect(alerts.sent).toHaveLength(1);
    expect(alerts.sent[0]).toMatchObject({
      event: 'trigger',
      incident: { id: 'inc-r1', action: { type: 'quarantine', policy: out.action.policy } },
    });
    expect(alerts.sent[0]!.incident.action.undo).toContain('kubectl delete authorizationpolicy');
  });

  it('alerts with the reason when a guardrail keeps it to an alert', async () => {
    const { r, alerts } = setup({ min_severity: 'critical' });
    const out = await r.handle(incident({ severity: 'high' }));
    expect(out.action.type).toBe('alert');
    expect(alerts.sent[0]!.incident.action.reason).toMatch(/below quarantine\.min_severity/);
  });

  it('sends a resolve when the quarantine is released (TTL or by hand)', async () => {
    const { r, alerts, clock } = setup();
    const out = await r.handle(incident({ id: 'inc-r2' }));
    clock.advance(600_000);
    await r.quarantine.expireDue(clock.nowMs());
    await new Promise((resolve) => setImmediate(resolve));
    const resolve = alerts.sent.find((s) => s.event === 'resolve');
    expect(resolve?.incident.id).toBe('inc-r2');
    expect(resolve?.incident.action).toMatchObject({
      policy: out.action.policy,
      reason: expect.stringMatching(/^released by ttl/),
    });
  });

  it('shuts down once', async () => {
    const { r, alerts } = setup();
    await r.start();
    await r.shutdown();
    await r.shutdown();
    expect(alerts.shutdowns).toBe(1);
  });
});
