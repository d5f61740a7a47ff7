import { describe, expect, it } from 'vitest';
import { defaultParseOptions } from '../../../../../pipelines/parse/index.js';
import type { InRecord } from '../../../../../pipelines/sources/bus/types.js';
import {
  RepartitionHandler,
  type HopRecord,
  type KafkaInRecord,
  type RepartitionOptions,
} from '../../../../../pipelines/sources/kafka/repartition.js';
import { MeshSimulator } from '../../../../../pipelines/sources/simulator/index.js';

const ACCESS_LOGS = 'mesh.access-logs';
const HOP = 'meshguard.access-logs.by-source';

const T0 = Date.parse('2024-05-01T10:00:00Z');

function accessLogs(count: number): KafkaInRecord[] {
  const sim = new MeshSimulator({
    seed: 5,
    startMs: T0,
    services: 6,
    ratePerSec: 20,
  });
  const out: KafkaInRecord[] = [];
  sim.generate(T0, T0 + 60_000, (r) => {
    if (out.length < count) {
      const value = JSON.stringify(r);
      out.push({
        topic: ACCESS_LOGS,
        partition: 0,
        offset: String(out.length),
        key: null,
        value,
        bytes: Buffer.from(value),
        timestampMs: T0 + out.length,
      });
    }
  });
  return out;
}

/** A hop that records what it sends and what it hands on to the scorer. */
function hopOf(
  opts: Pick<RepartitionOptions, 'accessLogPartitions' | 'repartitionPartitions'> &
    Partial<RepartitionOptions>,
) {
  const sent: HopRecord[] = [];
  const scored: InRecord[] = [];
  const hop = new RepartitionHandler(
    {
      handle: async (records) => void scored.push(...records),
      afterCommit: async () => {},
      onAssignment: async () => {},
    },
    { sendKeyed: async (_topic, messages) => void sent.push(...messages) },
    { accessLogsTopic: ACCESS_LOGS, repartitionTopic: HOP, parseOptions: defaultParseOptions, ...opts },
  );
  return { hop, sent, scored };
}

/** What the hop sent, read back from its topic one message at a time. */
async function readBack(hop: RepartitionHandler, sent: HopRecord[]): Promise<void> {
  let offset = 0;
  for (const m of sent) {
    const record: KafkaInRecord = {
      topic: HOP,
      partition: m.partition!,
      offset: String(offset++),
      key: m.key,
      value: m.value.toString(),
      headers: m.headers,
    };
    await hop.handle([record]);
  }
}

describe('the repartition hop', () => {
  it('pauses the access-log topic while its own packs are out, and hands them back as their parsed events', async () => {
    const flow: string[] = [];
    const { hop, sent, scored } = hopOf({
      accessLogPartitions: async () => 1,
      repartitionPartitions: async () => 2,
      upstream: { pause: () => flow.push('pause'), resume: () => flow.push('resume') },
      forwardAheadEvents: 20,
    });
    await hop.onAssignment([
      { topic: HOP, partition: 0 },
      { topic: HOP, partition: 1 },
    ]);
    const input = accessLogs(40);
    expect(input).toHaveLength(40);
    await hop.handle(input);
    expect(flow).toEqual(['pause']);
    expect(scored).toHaveLength(0);

    // The packs come back from the repartition topic: no text needed, every record's events handed on.
    await readBack(hop, sent);
    expect(flow).toEqual(['pause', 'resume']);
    const events = scored.flatMap((r) => r.events ?? []);
    expect(events).toHaveLength(40);
    const records = scored.filter((r) => r.watermarkMs === undefined);
    expect(records.every((r) => r.events !== undefined && r.input === 'upstream/0')).toBe(true);
    expect(Buffer.concat(sent.map((m) => Buffer.from(m.value))).toString()).toContain(input[0]!.value);
  });

  it('tells every partition of its topic how far each upstream partition has been forwarded', async () => {
    const { hop, sent, scored } = hopOf({
      accessLogPartitions: async () => 4,
      repartitionPartitions: async () => 8,
    });
    // Another replica reads the repartition topic: nothing comes back parsed, every text is read.
    await hop.onAssignment([{ topic: ACCESS_LOGS, partition: 2 }]);
    // Read from upstream partition 2 of 4; a few sources, so some of the eight partitions get nothing.
    const input = accessLogs(200).map((r) => ({ ...r, partition: 2 }));
    await hop.handle(input);
    const newest = Math.max(...input.map((r) => Date.parse(JSON.parse(r.value).start_time)));

    const byPartition = new Map(sent.map((m) => [m.partition!, m]));
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const withRecords = sent.filter((m) => m.headers['meshguard.packed'] !== '0');
    expect(withRecords.length).toBeGreaterThan(0);
    expect(withRecords.length).toBeLessThan(8);
    for (const m of sent) {
      expect(m.headers['meshguard.upstream']).toBe('2/4');
      expect(Number(m.headers['meshguard.watermark'])).toBeGreaterThanOrEqual(newest - 1000);
    }

    // Read back: a partition that got nothing hands on the watermark alone; those with records hand
    // them on first, then the watermark.
    await readBack(hop, sent);
    const markers = scored.filter((r) => r.watermarkMs !== undefined);
    expect(markers).toHaveLength(8);
    expect(markers.every((r) => r.input === 'upstream/2' && r.inputs?.length === 4)).toBe(true);
    for (const m of sent) {
      const inPartition = scored.filter((r) => r.partition === m.partition);
      // Its records (if any) first, then the watermark.
      expect(inPartition.at(-1)!.watermarkMs).toBe(Number(m.headers['meshguard.watermark']));
      expect(inPartition.slice(0, -1).every((r) => r.watermarkMs === undefined)).toBe(true);
      expect(inPartition.length > 1).toBe(m.headers['meshguard.packed'] !== '0');
    }
    const forwarded = scored.filter((r) => r.watermarkMs === undefined).map((r) => r.value);
    expect(forwarded.sort()).toEqual(input.map((r) => r.value).sort());
  });

  it('scores a record once when a forwarder killed before its commit has it forwarded again', async () => {
    const input = accessLogs(60);
    // The first forwarder sent records 0-39 and died before committing past offset 20.
    const first = hopOf({ accessLogPartitions: async () => 1, repartitionPartitions: async () => 2 });
    await first.hop.handle(input.slice(0, 40));
    // The next reader of the upstream partition reads again from offset 20, and on.
    const next = hopOf({ accessLogPartitions: async () => 1, repartitionPartitions: async () => 2 });
    await next.hop.handle(input.slice(20));
    // A replica that reads the repartition topic gets both forwarders' packs, copies and all.
    const reader = hopOf({ accessLogPartitions: async () => 1, repartitionPartitions: async () => 2 });
    await reader.hop.onAssignment([
      { topic: HOP, partition: 0 },
      { topic: HOP, partition: 1 },
    ]);
    await readBack(reader.hop, [...first.sent, ...next.sent]);
    const read = reader.scored.filter((r) => r.watermarkMs === undefined).map((r) => r.value);
    expect(read.slice().sort()).toEqual(input.map((r) => r.value).sort());
  });
});
