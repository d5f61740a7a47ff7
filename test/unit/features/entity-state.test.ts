import { describe, expect, it } from 'vitest';
import {
  EntityState,
  MAX_KNOWN_DESTINATIONS,
  MAX_KNOWN_EXTERNAL,
  MAX_KNOWN_TEMPLATES,
} from '../../../pipelines/features/entity-state.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');

function learnEdge(s: EntityState, dst: string, firstCalledMs: number, bytesDown: number) {
  s.edge(dst, firstCalledMs).learn({
    bytesDown: Math.log1p(bytesDown),
    bytesUp: Math.log1p(100),
    requests: Math.log1p(10),
    deniedRatio: 0,
  });
}

describe('EntityState', () => {
  it('keeps each edge baseline apart and learns the workload statistics together', () => {
    const s = new EntityState(T0);
    for (let w = 0; w < 5; w++) {
      learnEdge(s, 'orders', 0, 1000);
      learnEdge(s, 'payments', 0, 50_000);
      s.learn({ requests: 3, deniedRatio: 0.1, notFoundRatio: 0, newTemplates: 0, bytesUp: 1, bytesDown: 2 });
      s.recordWindow(T0 + (w + 1) * 10_000, 2, 0, 0.5);
    }
    expect(s.findEdge('orders')!.bytesDown.count).toBe(5);
    expect(Math.expm1(s.findEdge('orders')!.bytesDown.mean)).toBeCloseTo(1000, 3);
    expect(Math.expm1(s.findEdge('payments')!.bytesDown.mean)).toBeCloseTo(50_000, 3);
    expect(s.findEdge('inventory')).toBeUndefined();
    expect(s.requests.mean).toBeCloseTo(3);
    expect(s.deniedRatio.mean).toBeCloseTo(0.1);
    expect(s.requests.count).toBe(5);
    expect(s.windows).toBe(5);
    expect(s.lastSeenMs).toBe(T0 + 50_000);
    expect(s.deniedRecent).toBeCloseTo(2 + 1 + 0.5 + 0.25 + 0.125);
  });

  it('survives a snapshot round trip with every baseline intact', () => {
    const s = new EntityState(T0);
    learnEdge(s, 'orders', 0, 1000);
    learnEdge(s, 'exports', T0 + 90_000, 7_000_000);
    s.edge('exports', 0).rememberWindow(7_000_000, 300, T0 + 100_000);
    s.rememberTemplate('/api/orders/{id}');
    const x = s.rememberExternalHost('api.stripe.com', T0 + 5_000, true);
    x.cumulativeUp = 4096;
    x.intervals.update(30_000);
    s.learn({ requests: 4, deniedRatio: 0, notFoundRatio: 0.2, newTemplates: 1, bytesUp: 5, bytesDown: 6 });

    const copy = EntityState.fromJSON(JSON.stringify(s));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(s));
    expect(copy.firstSeenMs).toBe(T0);
    expect([...copy.knownDestinations()]).toEqual(['orders', 'exports']);
    expect(copy.firstCalledMs('exports')).toBe(T0 + 90_000);
    expect(copy.findEdge('exports')!.lastDown).toBe(7_000_000);
    expect(copy.findEdge('exports')!.lastEndMs).toBe(T0 + 100_000);
    expect(Math.expm1(copy.findEdge('orders')!.bytesDown.mean)).toBeCloseTo(1000, 2);
    expect(copy.knowsTemplate('/api/orders/{id}')).toBe(true);
    expect(copy.externalHost('api.stripe.com')).toMatchObject({ known: true, cumulativeUp: 4096 });
    expect(copy.externalHost('api.stripe.com')!.intervals.mean).toBe(30_000);
    expect(copy.notFoundRatio.mean).toBeCloseTo(0.2);
  });

  it('reads a snapshot of the previous version, with no destination ever seen down', () => {
    const s = new EntityState(T0);
    learnEdge(s, 'orders', 0, 1000);
    learnEdge(s, 'exports', T0 + 90_000, 7_000_000);
    s.edge('orders', 0).outageEndMs = T0 + 30_000;
    const now = JSON.parse(JSON.stringify(s)) as { v: number; a: number[] };
    // The previous layout: the same blocks without their last number (when the destination was down).
    const header = now.a.length - 2 * 16;
    const v2 = [
      ...now.a.slice(0, header),
      ...now.a.slice(header, header + 15),
      ...now.a.slice(header + 16, -1),
    ];
    const old = EntityState.fromJSON(JSON.stringify({ ...now, v: 2, a: v2 }));
    expect(old.findEdge('orders')!.outageEndMs).toBe(0);
    expect(old.firstCalledMs('exports')).toBe(T0 + 90_000);
    expect(Math.expm1(old.findEdge('exports')!.bytesDown.mean)).toBeCloseTo(7_000_000, -2);
    expect(EntityState.fromJSON(JSON.stringify(s)).findEdge('orders')!.outageEndMs).toBe(T0 + 30_000);
  });

  it('refuses a snapshot it cannot read instead of loading garbage', () => {
    expect(() => EntityState.fromJSON('{"v":1,"f":0}')).toThrow(/version/);
    const s = new EntityState(T0);
    learnEdge(s, 'orders', 0, 1000);
    const o = JSON.parse(JSON.stringify(s)) as { a: number[] };
    o.a.pop();
    expect(() => EntityState.fromJSON(JSON.stringify(o))).toThrow(/numbers/);
  });

  it('past the destination cap forgets the newest-learned destination and keeps the others aligned', () => {
    const s = new EntityState(T0);
    for (let i = 0; i < MAX_KNOWN_DESTINATIONS; i++) learnEdge(s, `svc-${i}`, i < 10 ? 0 : T0 + i, 1000 + i);
    learnEdge(s, 'latecomer', T0 + 1_000_000, 5);
    expect(s.destinationCount).toBe(MAX_KNOWN_DESTINATIONS);
    expect(s.knowsDestination(`svc-${MAX_KNOWN_DESTINATIONS - 1}`)).toBe(false); // newest before the latecomer
    expect(s.knowsDestination('svc-0')).toBe(true);
    expect(s.knowsDestination('latecomer')).toBe(true);
    // Every remaining edge still reads its own numbers.
    for (let i = 0; i < MAX_KNOWN_DESTINATIONS - 1; i++)
      expect(Math.round(Math.expm1(s.findEdge(`svc-${i}`)!.bytesDown.mean))).toBe(1000 + i);
    expect(Math.round(Math.expm1(s.findEdge('latecomer')!.bytesDown.mean))).toBe(5);
    expect(s.recentNewDestinations(T0 + 1_000_000, 1000)).toEqual(['latecomer']);
  });

  it('remembers route templates past the small-array size and forgets the oldest past the cap', () => {
    const s = new EntityState(T0);
    for (let i = 0; i < MAX_KNOWN_TEMPLATES + 5; i++) s.rememberTemplate(`/r/${i}`);
    expect(s.knowsTemplate('/r/0')).toBe(false);
    expect(s.knowsTemplate('/r/5')).toBe(true);
    expect(s.knowsTemplate(`/r/${MAX_KNOWN_TEMPLATES + 4}`)).toBe(true);
    expect(new EntityState(T0).knowsTemplate('/r/1')).toBe(false);
  });

  it('past the external-host cap forgets an unvetted host contacted longest ago, not a baseline dependency', () => {
    const s = new EntityState(T0);
    s.rememberExternalHost('dependency.example.com', T0, true).lastContactMs = T0;
    for (let i = 1; i < MAX_KNOWN_EXTERNAL; i++)
      s.rememberExternalHost(`h${i}.example.com`, T0 + i, false).lastContactMs = T0 + i;
    s.rememberExternalHost('new.example.com', T0 + 100, false);
    expect(s.externalHost('dependency.example.com')?.known).toBe(true);
    expect(s.externalHost('h1.example.com')).toBeUndefined();
    expect(s.externalHost('h2.example.com')).toBeDefined();
    expect(s.externalHost('new.example.com')).toBeDefined();
  });
});
