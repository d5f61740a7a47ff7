import { describe, expect, it } from 'vitest';
import { defaultParseOptions } from '../../../../../pipelines/parse/index.js';
import type { InRecord } from '../../../../../pipelines/sources/bus/types.js';
import {
  RepartitionHandler,
  type HopRecord,
  type KafkaInRecord,
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
      });
    }
  });
  return out;
}

describe('the repartition hop', () => {
  it('pauses the access-log topic while its own packs are out, and hands them back as their parsed events', async () => {
    const sent: HopRecord[] = [];
    const scored: InRecord[] = [];
    const flow: string[] = [];
    const hop = new RepartitionHandler(
      {
        handle: async (records) => void scored.push(...records),
        afterCommit: async () => {},
        onAssignment: async () => {},
      },
      { sendKeyed: async (_topic, messages) => void sent.push(...messages) },
      {
        accessLogsTopic: ACCESS_LOGS,
        accessLogPartitions: async () => 1,
        repartitionTopic: HOP,
        repartitionPartitions: async () => 2,
        parseOptions: defaultParseOptions,
        upstream: { pause: () => flow.push('pause'), resume: () => flow.push('resume') },
        forwardAheadEvents: 20,
      },
    );
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
    expect(flow).toEqual(['pause', 'resume']);
    const events = scored.flatMap((r) => r.events ?? []);
    expect(events).toHaveLength(40);
    expect(scored.every((r) => r.events !== undefined && r.input === 'upstream/0')).toBe(true);
    expect(Buffer.concat(sent.map((m) => Buffer.from(m.value))).toString()).toContain(input[0]!.value);
  });
});
