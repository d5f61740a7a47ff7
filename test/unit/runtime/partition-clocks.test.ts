/**
 * Event time per partition (pipelines/runtime/event-time.ts and the pipeline's tasks): records of one
 * entity spread over several partitions, or several upstream partitions interleaved in one repartition
 * partition, delivered partition by partition as a Kafka consumer hands them over. The incidents must be
 * replay's (same offender, same kind, detected within one window of event time), with no late record.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import type { Incident } from '../../../pipelines/core/incident.js';
import { defaultParseOptions, parseLine } from '../../../pipelines/parse/index.js';
import { PartitionClock } from '../../../pipelines/runtime/event-time.js';
import { MeshSimulator } from '../../../pipelines/sources/simulator/index.js';
import { runEvents } from '../../helpers/pipeline.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const END = T0 + 330_000;
const WINDOW_MS = 10_000;

function corpus(): MeshEvent[] {
  const sim = new MeshSimulator({ seed: 7, startMs: T0, services: 12, ratePerSec: 30 });
  sim.schedule('path_scanning', T0 + 200_000);
  sim.schedule('lateral_movement', T0 + 230_000);
  sim.schedule('rbac_probing', T0 + 260_000);
  const events: MeshEvent[] = [];
  sim.generate(T0, END, (record) =>
    parseLine(JSON.stringify(record), 'auto', defaultParseOptions, (r) => {
      if (r.ok) events.push(r.event);
    }),
  );
  return events;
}

const hash = (s: string): number => {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return Math.abs(h);
};

/** Delivery order of a consumer: per round of `roundMs` event time, each partition's slice in turn. */
function deliver(
  events: MeshEvent[],
  place: (e: MeshEvent, i: number) => { task: string; input: string },
  roundMs: number,
): Array<{ event: MeshEvent; task: string; input: string }> {
  const slices = new Map<string, Array<{ event: MeshEvent; task: string; input: string }>>();
  const out: Array<{ event: MeshEvent; task: string; input: string }> = [];
  let roundEnd = T0 + roundMs;
  const flush = () => {
    for (const key of [...slices.keys()].sort()) out.push(...slices.get(key)!);
    slices.clear();
  };
  events.forEach((event, i) => {
    if (event.timeMs >= roundEnd) {
      flush();
      roundEnd += roundMs;
    }
    const p = place(event, i);
    const key = `${p.task}|${p.input}`;
    slices.set(key, [...(slices.get(key) ?? []), { event, ...p }]);
  });
  flush();
  return out;
}

async function runPartitioned(
  delivered: Array<{ event: MeshEvent; task: string; input: string }>,
  perPartitionClocks: boolean,
  inputs?: readonly string[],
) {
  const { incidents, lateEvents } = await runEvents(
    delivered.map((d) => d.event),
    {},
    perPartitionClocks
      ? (_, i) => ({ task: delivered[i]!.task, input: delivered[i]!.input, wallMs: 0, inputs })
      : undefined,
  );
  return { incidents, late: lateEvents };
}

/**
 * Same offenders and kinds as replay, each first found within one window of it. With `escalations`,
 * every later record of an incident too (paired in order). Without, only the first: when one entity's
 * records are split over tasks (no repartition hop), each task closes its own part of the entity's
 * window, and accumulating detectors (slow_and_low) see those parts one by one.
 */
function expectSameAsReplay(kafka: Incident[], replay: Incident[], escalations: boolean): void {
  const key = (i: Incident) =>
    `${i.kind}|${'principal' in i.workload ? i.workload.principal : i.workload.address}`;
  expect(replay.length).toBeGreaterThanOrEqual(3);
  expect(kafka.map(key).sort()).toEqual(replay.map(key).sort());
  const byKey = (list: Incident[]) => {
    const m = new Map<string, Incident[]>();
    for (const i of list) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
    return m;
  };
  const kafkaByKey = byKey(kafka);
  for (const [k0, records] of byKey(replay)) {
    for (const [n, r] of (escalations ? records : records.slice(0, 1)).entries()) {
      const k = kafkaByKey.get(k0)![n]!;
      expect(Math.abs(Date.parse(k.detectedAt) - Date.parse(r.detectedAt))).toBeLessThanOrEqual(WINDOW_MS);
    }
  }
}

describe('event time per partition', () => {
  const events = corpus();
  const replay = runEvents(events);

  it('keyless records spread over 4 partitions, handed over partition by partition: replay incidents, nothing late', async () => {
    // Round-robin like a keyless shipper: every entity on every partition.
    const delivered = deliver(events, (_, i) => ({ task: `p${i % 4}`, input: `p${i % 4}` }), 20_000);
    const { incidents, late } = await runPartitioned(delivered, true);
    expectSameAsReplay(incidents, (await replay).incidents, false);
    expect(late).toBe(0);
    // One clock for the process (what Kafka mode did before): the same delivery makes records late.
    expect((await runPartitioned(delivered, false)).late).toBeGreaterThan(1000);
  });

  it('a repartition partition fed by 4 upstream partitions, each forwarded in its own chunks: replay incidents', async () => {
    const delivered = deliver(
      events,
      (e, i) => ({ task: `r${hash(e.src) % 2}`, input: `upstream/${i % 4}` }),
      30_000,
    );
    const upstream = ['upstream/0', 'upstream/1', 'upstream/2', 'upstream/3'];
    const { incidents, late } = await runPartitioned(delivered, true, upstream);
    expectSameAsReplay(incidents, (await replay).incidents, true);
    expect(late).toBe(0);
  });
});

describe('watermark markers of the repartition hop', () => {
  const events = corpus();
  const replay = runEvents(events);
  const upstream = ['upstream/0', 'upstream/1', 'upstream/2', 'upstream/3'];

  /**
   * A shipper that keys by source: every record of this repartition partition comes from upstream/0;
   * the forwarders of the other three send it nothing but (with `markers`) their watermarks. Wall time
   * never moves, so no input ever goes idle: only the markers can let the clock on.
   */
  async function keyedShipper(markers: boolean): Promise<Incident[]> {
    const raised: Incident[] = [];
    await runEvents(events, {}, () => ({ task: 'hop/0', input: 'upstream/0', wallMs: 0, inputs: upstream }), {
      onIncident: (incident) => void raised.push(incident),
      afterEach: (pipeline, event) => {
        if (markers)
          for (const input of upstream.slice(1))
            pipeline.noteProgress(event.timeMs, { task: 'hop/0', input, wallMs: 0, inputs: upstream });
      },
      finish: false,
    });
    return raised;
  }

  it('let a partition fed by one upstream partition decide as replay does, without waiting out the idleness', async () => {
    expectSameAsReplay(await keyedShipper(true), (await replay).incidents, true);
  });

  it('are what moves such a partition on: without them it decides nothing until its other inputs go idle', async () => {
    expect(await keyedShipper(false)).toEqual([]);
  });
});

describe('PartitionClock', () => {
  it('is the minimum of its inputs, less the out-of-orderness, and never goes back', () => {
    const clock = new PartitionClock(60_000, 2_000);
    clock.note('a', 100_000, 0);
    expect(clock.clockMs).toBe(98_000);
    clock.note('b', 50_000, 0);
    expect(clock.clockMs).toBe(98_000); // never back
    clock.note('a', 120_000, 0);
    expect(clock.clockMs).toBe(98_000); // b holds it
    clock.note('b', 110_000, 0);
    expect(clock.clockMs).toBe(108_000);
  });

  it('stops waiting for an input silent past the idleness timeout, and takes the newest when all are idle', () => {
    const clock = new PartitionClock(60_000, 0);
    clock.note('a', 100_000, 0);
    clock.note('b', 10_000, 0);
    clock.note('a', 200_000, 30_000);
    expect(clock.clockMs).toBe(100_000);
    expect(clock.recompute(59_000)).toBe(false); // b not idle yet
    expect(clock.recompute(61_000)).toBe(true); // b idle: a alone
    expect(clock.clockMs).toBe(200_000);
    expect(clock.idle(61_000)).toBe(false);
    expect(clock.idle(91_000)).toBe(true);
    clock.note('b', 250_000, 95_000); // b is back, ahead of a; a is idle now
    expect(clock.clockMs).toBe(250_000);
  });
});
