/**
 * The Kafka transport against a real wire-protocol cluster (librdkafka's mock, through kcat): the
 * producer acks, the consumer group hands records over and commits only after hand-off, and a second
 * member joining takes partitions over without losing a record.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { gzipCodec, lz4Codec, snappyCodec, zstdCodec } from '../../pipelines/sources/kafka/codecs.js';
import { pino } from 'pino';
import { createKafka } from '../../pipelines/sources/kafka/client.js';
import { KafkaRecordProducer } from '../../pipelines/sources/kafka/producer.js';
import {
  KafkaBatchConsumer,
  type ConsumerHandler,
  type TopicPartition,
} from '../../pipelines/sources/kafka/consumer.js';
import { KafkaConfig } from '../../pipelines/sources/kafka/config.js';
import { Value } from '@sinclair/typebox/value';
import { Metrics } from '../../pipelines/core/metrics.js';
import type { InRecord } from '../../pipelines/sources/bus/types.js';
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js';
import { waitFor } from '../helpers/wait.js';

const logger = pino({ level: 'silent' });
let mock: KafkaMock;

function kafkaConfig(overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return {
    ...(Value.Default(KafkaConfig, {}) as KafkaConfig),
    session_timeout_ms: 6000,
    heartbeat_interval_ms: 500,
    from_beginning: true,
    ...overrides,
  } as KafkaConfig;
}

class Collector implements ConsumerHandler {
  records: InRecord[] = [];
  commits = 0;
  assignments: TopicPartition[][] = [];
  async handle(records: InRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async afterCommit(): Promise<void> {
    this.commits++;
  }
  async onAssignment(assigned: TopicPartition[]): Promise<void> {
    this.assignments.push(assigned);
  }
}

beforeAll(async () => {
  mock = await startKafkaMock();
});
afterAll(async () => {
  await mock?.stop();
});

describe('Kafka transport (mock cluster)', () => {
  it('produces keyed records that a consumer group member receives and commits', async () => {
    const cfg = kafkaConfig({ brokers: mock.brokers, group_id: 'transport-a' });
    const metrics = new Metrics();
    const kafka = createKafka(cfg, logger);
    const producer = new KafkaRecordProducer(kafka, cfg, { logger, metrics });
    await producer.start();
    expect(producer.ready()).toBe(true);
    const topic = 'transport-a';
    await producer.send(
      topic,
      Array.from({ length: 40 }, (_, i) => ({ key: `workload-${i % 5}`, value: `line ${i}` })),
    );
    const collector = new Collector();
    const consumer = new KafkaBatchConsumer(kafka, cfg, [topic], collector, { logger, metrics });
    await consumer.start();
    await waitFor(() => collector.records.length >= 40, 20_000, '40 records');
    expect(new Set(collector.records.map((r) => r.value)).size).toBe(40);
    // One key stays on one partition.
    const partitionsOfKey = new Map<string, Set<number>>();
    for (const r of collector.records) {
      const set = partitionsOfKey.get(r.key!) ?? new Set();
      set.add(r.partition);
      partitionsOfKey.set(r.key!, set);
    }
    for (const set of partitionsOfKey.values()) expect(set.size).toBe(1);
    // The batch is committed after its records are handed over.
    await waitFor(() => collector.commits > 0, 10_000, 'the batch committed');
    const lag = await metrics.registry.getSingleMetricAsString('meshguard_consumer_lag_messages');
    expect(lag).toContain(`topic="${topic}"} 0`);
    await consumer.shutdown();

    // A new member of the same group starts after the committed offsets: nothing is redelivered.
    const again = new Collector();
    const second = new KafkaBatchConsumer(kafka, cfg, [topic], again, { logger });
    await second.start();
    await producer.send(topic, [{ key: 'workload-1', value: 'after restart' }]);
    await waitFor(() => again.records.length >= 1, 20_000, 'the new record');
    await new Promise((r) => setTimeout(r, 500));
    expect(again.records.map((r) => r.value)).toEqual(['after restart']);
    await second.shutdown();
    await producer.shutdown();
    expect(producer.ready()).toBe(false);
  });

  it('a record whose hand-off failed is redelivered (commit only after hand-off)', async () => {
    const cfg = kafkaConfig({ brokers: mock.brokers, group_id: 'transport-b' });
    const kafka = createKafka(cfg, logger);
    const producer = new KafkaRecordProducer(kafka, cfg, { logger });
    await producer.start();
    const topic = 'transport-b';
    await producer.send(topic, [{ key: 'k', value: 'fragile' }]);
    let failures = 0;
    const seen: string[] = [];
    const consumer = new KafkaBatchConsumer(
      kafka,
      cfg,
      [topic],
      {
        handle: async (records) => {
          if (failures === 0) {
            failures++;
            throw new Error('downstream hiccup');
          }
          seen.push(...records.map((r) => r.value));
        },
        afterCommit: async () => {},
        onAssignment: async () => {},
      },
      { logger },
    );
    await consumer.start();
    await waitFor(() => seen.length >= 1, 20_000, 'redelivery');
    expect(failures).toBe(1);
    expect(seen).toEqual(['fragile']);
    await consumer.shutdown();
    await producer.shutdown();
  });

  it('a member counts as not reading while its group rebalances, and as reading once it rejoined', async () => {
    // The scorer takes a partition's silence for idleness only while its consumer reads (fetching()).
    const cfg = kafkaConfig({ brokers: mock.brokers, group_id: 'transport-rebalance' });
    const kafka = createKafka(cfg, logger);
    const producer = new KafkaRecordProducer(kafka, cfg, { logger });
    await producer.start();
    const topic = 'transport-rebalance';
    await producer.send(topic, [{ key: 'k', value: 'first' }]);
    const a = new Collector();
    const first = new KafkaBatchConsumer(kafka, cfg, [topic], a, { logger });
    await first.start();
    await waitFor(() => first.fetching() && a.records.length === 1, 20_000, 'the first member reading');
    let sawPause = false;
    const watch = setInterval(() => (sawPause ||= !first.fetching()), 2);
    const second = new KafkaBatchConsumer(kafka, cfg, [topic], new Collector(), { logger });
    await second.start();
    await waitFor(() => a.assignments.length >= 2, 30_000, 'the first member to rejoin');
    await waitFor(() => first.fetching(), 10_000, 'the first member reading again');
    clearInterval(watch);
    expect(sawPause).toBe(true);
    await Promise.all([first.shutdown(), second.shutdown()]);
    expect(first.fetching()).toBe(false);
    await producer.shutdown();
  });

  it.each(['snappy', 'lz4', 'zstd', 'gzip'])(
    'reads batches that a librdkafka producer (kcat) compressed with %s',
    async (codecName) => {
      const topic = `transport-kcat-${codecName}`;
      const lines = Array.from(
        { length: 60 },
        (_, i) => `workload-${i % 3}:{"n":${i},"pad":"${'x'.repeat(200)}"}`,
      );
      const produced = spawnSync(
        'kcat',
        ['-P', '-b', mock.brokers.join(','), '-t', topic, '-z', codecName, '-K', ':'],
        { input: `${lines.join('\n')}\n`, encoding: 'utf8' },
      );
      expect(produced.status, produced.stderr).toBe(0);
      const cfg = kafkaConfig({ brokers: mock.brokers, group_id: topic });
      const collector = new Collector();
      const consumer = new KafkaBatchConsumer(createKafka(cfg, logger), cfg, [topic], collector, { logger });
      await consumer.start();
      await waitFor(() => collector.records.length >= 60, 20_000, `60 ${codecName}-compressed records`);
      expect(
        collector.records.map((r) => (JSON.parse(r.value) as { n: number }).n).sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 60 }, (_, i) => i));
      await waitFor(() => collector.commits > 0, 10_000, 'the batch committed');
      await consumer.shutdown();
    },
  );

  it('produces batches compressed with every codec (kafka.compression) that librdkafka and meshguard read', async () => {
    for (const [compression, codec] of [
      ['gzip', gzipCodec],
      ['snappy', snappyCodec],
      ['lz4', lz4Codec],
      ['zstd', zstdCodec],
    ] as const) {
      const topic = `transport-produce-${compression}`;
      const cfg = kafkaConfig({ brokers: mock.brokers, group_id: topic, compression });
      const kafka = createKafka(cfg, logger);
      const compress = vi.spyOn(codec, 'compress');
      const producer = new KafkaRecordProducer(kafka, cfg, { logger });
      await producer.start();
      const values = Array.from({ length: 30 }, (_, i) => JSON.stringify({ n: i, pad: 'y'.repeat(300) }));
      await producer.send(
        topic,
        values.map((value, i) => ({ key: `workload-${i % 3}`, value })),
      );
      expect(compress).toHaveBeenCalled();
      compress.mockRestore();
      await producer.shutdown();
      // Another client reads them: the wire format is Kafka's own.
      const read = spawnSync(
        'kcat',
        ['-C', '-b', mock.brokers.join(','), '-t', topic, '-e', '-q', '-f', '%s\n'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(read.status, read.stderr).toBe(0);
      expect(read.stdout.trim().split('\n').sort()).toEqual([...values].sort());
      // And meshguard's consumer.
      const collector = new Collector();
      const consumer = new KafkaBatchConsumer(kafka, cfg, [topic], collector, { logger });
      await consumer.start();
      await waitFor(() => collector.records.length >= 30, 20_000, `30 ${compression} records`);
      expect(collector.records.map((r) => r.value).sort()).toEqual([...values].sort());
      await consumer.shutdown();
    }
  });

  it('a producer to an unreachable cluster is not ready and refuses with 503-style errors', async () => {
    const cfg = kafkaConfig({
      brokers: ['127.0.0.1:1'],
      connection_timeout_ms: 200,
      producer_timeout_ms: 500,
    });
    const producer = new KafkaRecordProducer(createKafka(cfg, logger), cfg, { logger });
    await producer.start();
    expect(producer.ready()).toBe(false);
    await expect(producer.send('t', [{ key: null, value: 'x' }])).rejects.toMatchObject({
      kind: 'unavailable',
    });
    await producer.shutdown();
  });
});
