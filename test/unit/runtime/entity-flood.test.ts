/**
 * A flood of distinct identities cannot exhaust the scorer: tracked entities are capped
 * (windowing.max_entities), the least recently seen go first and are counted, and a real attacker who
 * comes after the flood is still found.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { TrackedEntities } from '../../../pipelines/runtime/tracked-entities.js';
import { ev, merge, principalOf, steady } from '../../helpers/events.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const MIN = 60_000;
const SVC = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;

describe('tracked entities under a cardinality flood', () => {
  it('never hold more than max_entities, drop the least recently seen first, and count each drop', () => {
    let evicted = 0;
    const entities = new TrackedEntities({
      logger: pino({ level: 'silent' }),
      idleMs: 3_600_000,
      trackDirty: true,
      maxEntities: 100,
      onEvict: () => evicted++,
    });
    entities.getOrAdd('real', 0);
    for (let i = 0; i < 10_000; i++) {
      entities.getOrAdd(`flood-${i}`, i);
      // The real workload keeps talking throughout: it is never the least recently seen.
      if (i % 50 === 0) entities.getOrAdd('real', i);
      expect(entities.size).toBeLessThanOrEqual(100);
    }
    expect(entities.has('real')).toBe(true);
    expect(entities.has('flood-0')).toBe(false);
    expect(entities.has('flood-9999')).toBe(true);
    expect(evicted).toBe(10_001 - 100);
  });

  it('after 20 000 one-shot identities, a real path scan is still found, with drops counted', async () => {
    const FRONTEND = principalOf('shop', 'frontend');
    const flood = Array.from({ length: 20_000 }, (_, i) =>
      ev({ src: `ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, timeMs: T0 + 5 * MIN + (i % 1000) }),
    );
    const attackAt = T0 + 11 * MIN;
    const scan = Array.from({ length: 200 }, (_, i) =>
      ev({
        src: FRONTEND,
        dst: SVC('catalog'),
        timeMs: attackAt + i * 100,
        path: `/.env${i}`,
        status: 404,
      }),
    );
    const events = merge(
      steady(FRONTEND, [SVC('orders'), SVC('catalog')], T0, T0 + 16 * MIN, 2),
      flood,
      scan,
    );
    const { incidents, metrics } = await runEvents(events, {
      windowing: { max_entities: 1000, max_window_sources: 1000 },
    });
    expect(
      incidents.map((i) => [i.kind, 'principal' in i.workload ? i.workload.principal : '']),
    ).toContainEqual(['scanning', FRONTEND]);
    // The flood lands in one window: past 1 000 sources there its events are dropped and counted
    // (meshguard_window_overflow_events_total); what the window held is evicted at the entity cap, counted.
    const evicted = (await metrics.entitiesEvicted.get()).values[0]?.value ?? 0;
    const overflow = (await metrics.windowOverflow.get()).values[0]?.value ?? 0;
    expect(overflow).toBeGreaterThan(0);
    expect(evicted + overflow).toBeGreaterThanOrEqual(19_000);
  });
});
