/**
 * A partition changing owner mid-attack (a scorer killed, a rebalance): the state store holds closed
 * windows only, so the commit must stop at the first record still in an open window. The next owner then
 * reads those records again and finds what one uninterrupted scorer finds, when one uninterrupted scorer
 * finds it, and raises nothing twice. Records a replica gets again after a rebalance that left it the
 * partition (kafkajs restarts at the commit) are not counted twice. An incident the old owner raised is
 * escalated by the next owner when it grows more severe, not taken for a duplicate.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../config/validate.js';
import { EventClock } from '../../../pipelines/core/clock.js';
import type { Incident } from '../../../pipelines/core/incident.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { parseOptionsOf } from '../../../pipelines/parse/index.js';
import { WINDOW_DETECTORS } from '../../../pipelines/registry/window-detectors.js';
import { createPipeline } from '../../../pipelines/runtime/pipeline.js';
import type { InRecord } from '../../../pipelines/sources/bus/types.js';
import { MeshSimulator } from '../../../pipelines/sources/simulator/index.js';
import { EntityState } from '../../../pipelines/features/entity-state.js';
import { BatchScorer } from '../../../services/scorer/batch-scorer.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const END = T0 + 260_000;
const ATTACK_AT = T0 + 200_000;
const TOPIC = 'by-source';
const BATCH = 200;
const cfg = resolveConfig({ log_level: 'silent', alerts: { channels: [] }, quarantine: { sink: 'none' } });

/** `seed` 7 with `scanAndProbe`: the corpus of the Kafka-mode invariant (test/integration/kafka-invariant). */
function records(seed = 11, scanAndProbe = false): InRecord[] {
  const sim = new MeshSimulator({ seed, startMs: T0, services: 10, ratePerSec: 15 });
  if (scanAndProbe) sim.schedule('path_scanning', ATTACK_AT - 30_000);
  sim.schedule('lateral_movement', ATTACK_AT);
  if (scanAndProbe) sim.schedule('rbac_probing', ATTACK_AT + 30_000);
  const out: InRecord[] = [];
  sim.generate(T0, END, (r) =>
    out.push({ topic: TOPIC, partition: 0, offset: String(out.length), key: null, value: JSON.stringify(r) }),
  );
  return out;
}

/** One replica: its own pipeline, the shared state store (Redis in production), incidents collected. */
function replica(store: MemoryStateStore, incidents: Incident[]) {
  const clock = new EventClock();
  const logger = pino({ level: 'silent' });
  const metrics = new Metrics();
  const pipeline = createPipeline(
    cfg,
    { logger, clock, metrics, state: store },
    async (incident) => {
      incidents.push(incident);
      return incident;
    },
    { detectors: WINDOW_DETECTORS },
  );
  let wallMs = 1_000_000;
  const scorer = new BatchScorer({
    cfg,
    pipeline,
    state: store,
    producer: { send: async () => undefined, ready: () => true },
    metrics,
    logger,
    parseOptions: parseOptionsOf(cfg),
    countAs: 'kafka',
    wallNowMs: () => (wallMs += 10),
  });
  return { scorer, pipeline, pause: (ms: number) => void (wallMs += ms) };
}

/** Hand `list` over in batches, committing after each as the consumer does; returns the last commit. */
async function feed(scorer: BatchScorer, list: InRecord[]): Promise<string> {
  let committed = '0';
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    await scorer.handle(batch);
    committed = scorer.committableOffset(TOPIC, 0, String(Number(batch[batch.length - 1]!.offset) + 1));
    await scorer.afterCommit();
  }
  return committed;
}

/** The incidents of one replica that scores `all` with nothing in the way. */
async function uninterruptedRun(all: InRecord[]): Promise<Incident[]> {
  const incidents: Incident[] = [];
  const u = replica(new MemoryStateStore(), incidents);
  await feed(u.scorer, all);
  u.pipeline.finish();
  await u.pipeline.drain();
  return incidents;
}

/** Windows each entity's snapshot has folded in. */
async function windowsLearned(store: MemoryStateStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const key of await store.keys('entity:'))
    out[key] = EntityState.fromJSON((await store.get(key))!).windows;
  return out;
}

const found = (list: Incident[]) =>
  list.map((i) => `${i.kind}|${'principal' in i.workload ? i.workload.principal : i.workload.address}`);

describe('a partition that changes owner mid-attack', () => {
  it('is scored by its next owner from the first record of an open window, as if nothing happened', async () => {
    const all = records();
    const uninterrupted = await uninterruptedRun(all);
    expect(uninterrupted.map((i) => i.kind)).toContain('lateral_movement');

    // The first owner dies a few seconds into the attack, after its last commit.
    const store = new MemoryStateStore();
    const raised: Incident[] = [];
    const cut = all.findIndex((r) => Date.parse(JSON.parse(r.value).start_time) >= ATTACK_AT + 9000);
    const first = replica(store, raised);
    const committed = await feed(first.scorer, all.slice(0, cut));
    // Records of the windows still open are not committed: about a window and the lateness back.
    expect(Number(committed)).toBeLessThan(cut);
    const back = Date.parse(JSON.parse(all[Number(committed)]!.value).start_time);
    expect(ATTACK_AT + 9000 - back).toBeLessThanOrEqual(
      (cfg.windowing.window_secs + cfg.windowing.allowed_lateness_secs + 2) * 1000,
    );

    const next = replica(store, raised);
    await next.scorer.onAssignment([{ topic: TOPIC, partition: 0 }]);
    const rest = all.slice(Number(committed));
    await feed(next.scorer, rest.slice(0, 400));
    // A rebalance that leaves the partition here: kafkajs reads again from the commit.
    await next.scorer.onAssignment([{ topic: TOPIC, partition: 0 }]);
    const scoredBefore = next.scorer.scored;
    await feed(next.scorer, rest.slice(0, 400));
    expect(next.scorer.scored).toBe(scoredBefore);
    await feed(next.scorer, rest.slice(400));
    next.pipeline.finish();
    await next.pipeline.drain();

    // The same incidents, each once per severity, detected at the same event time as the uninterrupted run.
    const when = (list: Incident[]) => list.map((i) => `${found([i])[0]} ${i.detectedAt}`).sort();
    expect(when(raised)).toEqual(when(uninterrupted));
    const once = raised.map((i) => `${i.id}|${i.severity}`);
    expect(new Set(once).size).toBe(once.length);
  }, 60_000);

  it('closes no window while its consumer cannot read (a rebalance stalled for minutes)', async () => {
    const all = records();
    const uninterrupted = await uninterruptedRun(all);

    // Twenty seconds before the attack the group starts a rebalance that takes two and a half minutes;
    // the housekeeping timer ticks every 5 s meanwhile, told whether the consumer is reading.
    const cut = all.findIndex((r) => Date.parse(JSON.parse(r.value).start_time) >= ATTACK_AT - 20_000);
    const stalled = async (fetching: boolean) => {
      const raised: Incident[] = [];
      const r = replica(new MemoryStateStore(), raised);
      await r.scorer.onAssignment([{ topic: TOPIC, partition: 0 }]);
      await feed(r.scorer, all.slice(0, cut));
      for (let waited = 0; waited < 150_000; waited += 5000) {
        r.pause(5000);
        await r.scorer.tick(fetching);
      }
      await r.scorer.onAssignment([{ topic: TOPIC, partition: 0 }]);
      await feed(r.scorer, all.slice(cut));
      r.pipeline.finish();
      await r.pipeline.drain();
      return { raised, late: r.pipeline.stats.lateEvents };
    };
    const when = (list: Incident[]) => list.map((i) => `${found([i])[0]} ${i.detectedAt}`).sort();
    const held = await stalled(false);
    expect(held.late).toBe(0);
    expect(when(held.raised)).toEqual(when(uninterrupted));
    // The same silence taken for idleness: event time jumps by the wall time and the attack comes late.
    const idle = await stalled(true);
    expect(idle.late).toBeGreaterThan(1000);
  }, 60_000);

  it('learns no window twice when the old owner saved state past its commit (a quiet partition)', async () => {
    const all = records();
    const uninterrupted: Incident[] = [];
    const uStore = new MemoryStateStore();
    const u = replica(uStore, uninterrupted);
    await feed(u.scorer, all);
    u.pipeline.finish();
    await u.scorer.flush();

    // The partition goes quiet past the idleness timeout at a window's end: its windows close and their
    // state is saved, with no batch to commit after. Then the owner dies.
    const cut = all.findIndex((r) => Date.parse(JSON.parse(r.value).start_time) >= T0 + 150_000);
    const store = new MemoryStateStore();
    const raised: Incident[] = [];
    const first = replica(store, raised);
    const committed = await feed(first.scorer, all.slice(0, cut));
    first.pause(cfg.windowing.partition_idle_secs * 1000 + 1000);
    await first.scorer.tick();
    const next = replica(store, raised);
    await feed(next.scorer, all.slice(Number(committed)));
    next.pipeline.finish();
    await next.scorer.flush();

    expect(Number(committed)).toBeLessThan(cut);
    expect(await windowsLearned(store)).toEqual(await windowsLearned(uStore));
    const when = (list: Incident[]) => list.map((i) => `${found([i])[0]} ${i.detectedAt}`).sort();
    expect(when(raised)).toEqual(when(uninterrupted));
  }, 60_000);

  it('raises on the next owner the escalation of an incident the old owner raised and committed past', async () => {
    // The spread is raised medium at 10:03:30 (3 new destinations) and high at 10:03:40 (4).
    const all = records(7, true);
    const uninterrupted = await uninterruptedRun(all);
    const lateral = (list: Incident[]) =>
      list.filter((i) => i.kind === 'lateral_movement').map((i) => `${i.severity} ${i.detectedAt}`);
    expect(lateral(uninterrupted)).toEqual([
      'medium 2024-05-01T10:03:30.000Z',
      'high 2024-05-01T10:03:40.000Z',
    ]);

    // The old owner raised the first incident, learned its window and committed past it; the partition
    // moves before the next window ends. The next owner has the state and the claim, not the incident.
    const store = new MemoryStateStore();
    const before: Incident[] = [];
    const cut = all.findIndex((r) => Date.parse(JSON.parse(r.value).start_time) >= ATTACK_AT + 18_000);
    const committed = await feed(replica(store, before).scorer, all.slice(0, cut));
    expect(lateral(before)).toEqual(['medium 2024-05-01T10:03:30.000Z']);
    const back = Date.parse(JSON.parse(all[Number(committed)]!.value).start_time);
    expect(back).toBeGreaterThanOrEqual(ATTACK_AT + 10_000); // the first incident's window is not read again

    const after: Incident[] = [];
    const next = replica(store, after);
    await next.scorer.onAssignment([{ topic: TOPIC, partition: 0 }]);
    await feed(next.scorer, all.slice(Number(committed)));
    next.pipeline.finish();
    await next.pipeline.drain();
    expect(lateral(after)).toEqual(['high 2024-05-01T10:03:40.000Z']);
    const first = before.find((i) => i.kind === 'lateral_movement')!;
    const escalation = after.find((i) => i.kind === 'lateral_movement')!;
    expect(escalation.id).toBe(first.id);
    expect(escalation.evidence.escalated_from).toMatchObject({
      severity: 'medium',
      detectedAt: first.detectedAt,
    });
  }, 60_000);
});
