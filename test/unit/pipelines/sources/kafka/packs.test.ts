import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../../../pipelines/core/event.js';
import {
  CarriedPacks,
  MAX_PACK_CHARS,
  packByPartition,
  packBytes,
  partitionOfKey,
  unpack,
} from '../../../../../pipelines/sources/kafka/packs.js';

const line = (src: string, i: number): string => JSON.stringify({ src, i, pad: 'x'.repeat(200) });

describe('repartition packs', () => {
  it('puts a key on the partition a keyed kafkajs send would', () => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2, 3, 4, 5].map((partitionId) => ({
      partitionId,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (const key of ['spiffe://cluster.local/ns/shop/sa/frontend', '10.8.0.15', 'a', ''])
      expect(partitionOfKey(key, 6)).toBe(
        partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }),
      );
  });

  it('keeps each key on one partition and its records in order, within the size bound', () => {
    const keys = Array.from({ length: 12 }, (_, k) => `spiffe://cluster.local/ns/n/sa/w${k}`);
    const records = Array.from({ length: 3000 }, (_, i) => {
      const key = keys[i % keys.length]!;
      return { key, value: line(key, i), format: 'istio-json' };
    });
    const packs = packByPartition(records, 4);
    const seen = new Map<string, number>();
    const lastIndex = new Map<string, number>();
    let total = 0;
    for (const pack of packs) {
      expect(pack.values.join('\n').length).toBeLessThanOrEqual(MAX_PACK_CHARS);
      expect(unpack(pack.values.join('\n'), String(pack.values.length))).toEqual(pack.values);
      for (const value of pack.values) {
        const { src, i } = JSON.parse(value) as { src: string; i: number };
        expect(seen.get(src) ?? pack.partition).toBe(pack.partition);
        seen.set(src, pack.partition);
        expect(i).toBeGreaterThan(lastIndex.get(src) ?? -1);
        lastIndex.set(src, i);
        total++;
      }
    }
    expect(total).toBe(records.length);
    expect(packs.length).toBeLessThan(records.length / 50);
  });

  it('names where each record came from, and never splits the records of one upstream message', () => {
    // One upstream message (an OTLP request) split into many records of one source, past a pack's size.
    const big = 'y'.repeat(MAX_PACK_CHARS / 8);
    const records = Array.from({ length: 12 }, (_, i) => ({
      key: 'w',
      value: JSON.stringify({ i, big }),
      format: 'otlp-json',
      origin: { offset: i < 10 ? 40 : 41, timeMs: 1000 + i },
    }));
    const packs = packByPartition(records, 2);
    expect(packs).toHaveLength(2);
    expect(packs[0]!.offsets).toEqual(Array(10).fill(40));
    expect(packs[0]!.values.join('\n').length).toBeGreaterThan(MAX_PACK_CHARS);
    expect(packs[1]!.offsets).toEqual([41, 41]);
    expect(packs[1]!.times).toEqual([1010, 1011]);
    // Without origins (a record read elsewhere than Kafka), none are named.
    const plain = packByPartition([{ key: 'w', value: '{}', format: 'istio-json' }], 2);
    expect(plain[0]!.offsets).toEqual([]);
  });

  it('sends a text holding a newline alone, and reads a pack whose count does not match as one record', () => {
    const packs = packByPartition(
      [
        { key: 'a', value: '{"a":1}', format: 'istio-json' },
        { key: 'a', value: '{\n"a":2}', format: 'istio-json' },
        { key: 'a', value: '{"a":3}', format: 'istio-json' },
      ],
      2,
    );
    expect(packs.map((p) => p.values)).toEqual([['{"a":1}', '{"a":3}'], ['{\n"a":2}']]);
    expect(unpack('{\n"a":2}', '1')).toEqual(['{\n"a":2}']);
    expect(unpack('x\ny\nz', '2')).toEqual(['x\ny\nz']);
    expect(unpack('x\ny', undefined)).toEqual(['x\ny']);
  });

  it("writes a pack as its records' bytes as read, and encodes those it has no bytes for", () => {
    const texts = ['{"a":"é"}', '{"a":2}', '{"a":3}'];
    const packs = packByPartition(
      texts.map((value, i) => ({
        key: 'a',
        value,
        format: 'istio-json',
        ...(i !== 1 && { bytes: Buffer.from(value) }),
      })),
      2,
    );
    expect(packs).toHaveLength(1);
    const bytes = packBytes(packs[0]!);
    expect(bytes.toString('utf8')).toBe(texts.join('\n'));
    expect(unpack(bytes.toString('utf8'), String(packs[0]!.values.length))).toEqual(texts);
  });

  it('gives up the oldest carried packs down to a bound', () => {
    const carried = new CarriedPacks(100);
    for (let i = 0; i < 5; i++)
      carried.put(`f:${i}`, { partition: 0, events: [[{} as MeshEvent], [{} as MeshEvent]], formats: [] });
    expect(carried.heldEvents).toBe(10);
    carried.dropOldestTo(5);
    expect(carried.heldEvents).toBe(4);
    expect(carried.take('f:2')).toBeUndefined();
    expect(carried.take('f:3')?.events).toHaveLength(2);
  });

  it('hands carried events back once, bounded, and forgets partitions that moved away', () => {
    const events = (n: number) => Array.from({ length: n }, () => [{} as MeshEvent]);
    const carried = new CarriedPacks(10);
    carried.put('f:0', { partition: 0, events: events(4), formats: [] });
    carried.put('f:1', { partition: 1, events: events(4), formats: [] });
    carried.put('f:2', { partition: 2, events: events(4), formats: [] });
    expect(carried.take('f:0')).toBeUndefined(); // the oldest went first
    expect(carried.take('f:1')?.events).toHaveLength(4);
    expect(carried.take('f:1')).toBeUndefined();
    carried.keepOnly((p) => p !== 2);
    expect(carried.take('f:2')).toBeUndefined();
    expect(carried.size).toBe(0);
  });
});
