/**
 * A flood of distinct mTLS identities through the scorer as `meshguard serve` builds it (assemble +
 * BatchScorer, embedded state store, console history): what it holds stays capped by
 * `windowing.max_entities` and `addresses.max_bindings` (least recently seen dropped first, counted), the
 * in-memory store keeps no second copy of each entity, and a real attacker afterwards is still found.
 * The million-identity version with its heap figures is `bench/flood.js` (npm run bench).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../config/validate.js';
import { EventClock } from '../../../pipelines/core/clock.js';
import type { Incident } from '../../../pipelines/core/incident.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import type { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { parseOptionsOf } from '../../../pipelines/parse/index.js';
import type { InRecord } from '../../../pipelines/sources/bus/types.js';
import { assemble } from '../../../services/assembly/assemble.js';
import { BatchScorer } from '../../../services/scorer/batch-scorer.js';

const T0 = Date.parse('2026-11-02T08:00:00Z');
const principal = (ns: string, sa: string) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const REAL = ['frontend', 'checkout', 'cart'];
const ATTACKER = principal('shop', 'frontend');

function line(timeMs: number, src: string, i: number, path: string, status: number): string {
  return JSON.stringify({
    start_time: new Date(timeMs).toISOString(),
    method: 'GET',
    path,
    protocol: 'HTTP/1.1',
    response_code: status,
    bytes_received: 300,
    bytes_sent: status === 200 ? 2000 : 40,
    duration: 5,
    authority: 'catalog.shop.svc.cluster.local:8080',
    upstream_host: '10.0.0.5:8080',
    upstream_cluster: 'inbound|8080||',
    downstream_remote_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:51234`,
    downstream_local_address: '10.0.0.5:8080',
    downstream_peer_uri_san: src,
  });
}

describe('serve under a flood of 50 000 distinct identities', () => {
  it('holds at most the caps, drops the least recently seen and counts them, then finds a real scan', async () => {
    const cfg = resolveConfig({
      log_level: 'silent',
      windowing: { max_entities: 2000, max_window_sources: 2000 },
      addresses: { max_bindings: 1000 },
      alerts: { channels: [] },
      quarantine: { sink: 'none' },
    });
    const metrics = new Metrics();
    const incidents: Incident[] = [];
    const clock = new EventClock();
    const scoring = await assemble(cfg, {
      eventClock: clock,
      logger: pino({ level: 'silent' }),
      metrics,
      keepHistory: true,
      onIncident: (incident) => void incidents.push(incident),
    });
    const scorer = new BatchScorer({
      cfg,
      pipeline: scoring.pipeline,
      state: scoring.settings.state,
      producer: { send: async () => undefined, ready: () => true },
      metrics,
      logger: pino({ level: 'silent' }),
      parseOptions: parseOptionsOf(cfg),
    });
    let offset = 0;
    let batch: InRecord[] = [];
    const send = async (value: string, flush = false) => {
      batch.push({
        topic: cfg.kafka.topics.access_logs,
        partition: 0,
        offset: String(offset++),
        key: null,
        value,
      });
      if (batch.length < 500 && !flush) return;
      const records = batch;
      batch = [];
      await scorer.handle(records);
      await scorer.afterCommit();
    };
    /** The real workloads call catalog twice a second each over [from, to), interleaved with `extra`. */
    const run = async (from: number, to: number, extra: (t: number) => string[]) => {
      for (let t = from; t < to; t += 500) {
        for (let w = 0; w < REAL.length; w++)
          await send(line(t, principal('shop', REAL[w]!), w, '/api/items', 200));
        for (const l of extra(t)) await send(l);
      }
    };
    await run(T0, T0 + 300_000, () => []); // learning
    let flooded = 0;
    const FLOOD = 50_000;
    const floodFrom = T0 + 300_000;
    // 50 000 one-shot identities over 100 s: 250 per half second.
    await run(floodFrom, floodFrom + 100_000, (t) =>
      Array.from({ length: 250 }, () => {
        const i = flooded++;
        return line(t, principal('flood', `id-${i}`), i + 16, '/api/items', 200);
      }),
    );
    expect(flooded).toBe(FLOOD);
    const attackAt = floodFrom + 100_000;
    let probe = 0;
    await run(attackAt, attackAt + 60_000, (t) =>
      t < attackAt + 20_000
        ? [line(t, ATTACKER, 0, `/.env${probe++}`, 404), line(t + 50, ATTACKER, 0, `/.git${probe++}`, 404)]
        : [],
    );
    await send(line(attackAt + 60_000, principal('shop', 'cart'), 2, '/api/items', 200), true);
    scoring.pipeline.finish();
    await scoring.pipeline.drain();

    expect(scoring.pipeline.stats.entities).toBeLessThanOrEqual(2000);
    expect((await metrics.addressBindings.get()).values[0]?.value).toBeLessThanOrEqual(1000);
    const evicted = (await metrics.entitiesEvicted.get()).values[0]?.value ?? 0;
    // 5 000 new identities per 10 s window: each open window holds at most 2 000 sources, the rest of the
    // flood's events are dropped there and counted; what was held is evicted at the entity cap, counted.
    const overflow = (await metrics.windowOverflow.get()).values[0]?.value ?? 0;
    expect(overflow).toBeGreaterThan(0);
    expect(evicted).toBeGreaterThan(0);
    expect(evicted + overflow).toBeGreaterThanOrEqual(FLOOD - 2000);
    const bindingsDropped = (await metrics.addressBindingsDropped.get()).values[0]?.value ?? 0;
    expect(bindingsDropped).toBeGreaterThanOrEqual(FLOOD - 1000);
    // The embedded store holds no snapshot per identity (it would outlive the cap).
    const store = scoring.settings.state as MemoryStateStore;
    expect((await store.keys('entity:')).length).toBe(0);
    // The real workloads talked throughout: they were never the least recently seen.
    for (const w of REAL) expect(scoring.pipeline.hasEntity(principal('shop', w))).toBe(true);
    expect(
      incidents.map((i) => [i.kind, 'principal' in i.workload ? i.workload.principal : '']),
    ).toContainEqual(['scanning', ATTACKER]);
    await scoring.shutdown();
  }, 120_000);
});
