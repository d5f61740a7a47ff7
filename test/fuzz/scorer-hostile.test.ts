/**
 * Hostile records on the Kafka topics, straight into the scorer (BatchScorer, the handler the Kafka consumer
 * group drives) with the real pipeline behind it: shippers that write Kafka directly skip ingest's
 * validation, so the scorer must set aside whatever arrives. Conservation: every record is either scored
 * or dead-lettered with its reason, topic, partition and offset; nothing throws (a throw would make Kafka
 * redeliver the batch forever).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { wallClock } from '../../pipelines/core/clock.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { WINDOW_DETECTORS } from '../../pipelines/registry/window-detectors.js';
import { createPipeline } from '../../pipelines/runtime/pipeline.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';
import type { InRecord } from '../../pipelines/sources/bus/types.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { BatchScorer } from '../../services/scorer/batch-scorer.js';
import { parseOptionsOf } from '../../pipelines/parse/index.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { RecordingProducer } from '../helpers/recording-producer.js';

const report = reliabilityReport('scorer-hostile');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const VALID: string[] = [];
new MeshSimulator({ seed: 5, startMs: T0, services: 12, ratePerSec: 20 }).generate(T0, T0 + 20_000, (r) =>
  VALID.push(JSON.stringify(r)),
);
const SAMPLE = JSON.stringify({
  timestamp: '2024-05-01T10:00:00Z',
  value: '42',
  name: 'istio_requests_total',
  labels: { source_workload: 'frontend' },
});

function scorer() {
  const cfg = resolveConfig({ alerts: { channels: [] } });
  const logger = pino({ level: 'silent' });
  const metrics = new Metrics();
  const state = new MemoryStateStore();
  const pipeline = createPipeline(cfg, { logger, clock: wallClock, metrics, state }, async (i) => i, {
    detectors: WINDOW_DETECTORS,
  });
  const producer = new RecordingProducer();
  const samples: unknown[] = [];
  const s = new BatchScorer({
    cfg,
    pipeline,
    state,
    producer,
    metrics,
    logger,
    parseOptions: parseOptionsOf(cfg),
    countAs: 'kafka',
    onMetricSample: (x) => samples.push(x),
  });
  return { s: Object.assign(s, { metrics }), producer, samples, cfg };
}

const junk = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)),
  fc.tuple(fc.constantFrom(...VALID.slice(0, 50)), fc.nat()).map(([v, n]) => v.slice(0, n % v.length)),
  fc.constant(''),
  fc.constant('{"__proto__":{"polluted":1},"name":"x","value":"1","timestamp":"2024-05-01T10:00:00Z"}'),
);

describe('scorer: hostile records on mesh.access-logs and mesh.metrics', () => {
  it('property: scored + dead-lettered = consumed; valid records all scored; never throws', async () => {
    await report.check(
      'hostile input',
      'Kafka topics (scorer): random mixes of valid access logs / metric samples and junk (fast-check, 200 batches: random, binary, empty values, truncated, __proto__)',
      'handle() never throws; every valid record scored; every other record dead-lettered with reason, topic, partition, offset',
      async (note) => {
        const { s, producer, cfg } = scorer();
        let consumed = 0;
        let offset = 0;
        await fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.oneof(
                fc.constantFrom(...VALID).map((v) => ({ topic: cfg.kafka.topics.access_logs, v, ok: true })),
                fc.constant({ topic: cfg.kafka.topics.metrics, v: SAMPLE, ok: true }),
                junk.map((v) => ({ topic: cfg.kafka.topics.access_logs, v, ok: false })),
                junk.map((v) => ({ topic: cfg.kafka.topics.metrics, v, ok: false })),
              ),
              { minLength: 1, maxLength: 50 },
            ),
            async (items) => {
              const records: InRecord[] = items.map((i) => ({
                topic: i.topic,
                partition: 0,
                offset: String(offset++),
                key: null,
                value: i.v,
              }));
              const before = {
                scored: s.scored,
                samples: s.metricSamples,
                dlq: producer.on(cfg.kafka.topics.dlq).length,
              };
              await s.handle(records);
              await s.afterCommit();
              const scored = s.scored - before.scored + (s.metricSamples - before.samples);
              const dead = producer
                .on(cfg.kafka.topics.dlq)
                .slice(before.dlq)
                .map((m) => JSON.parse(m.value) as { reason: string; offset: string; topic: string });
              // Junk may happen to be valid (an empty JSON object is not, a lucky string might be): count, do not guess.
              expect(scored + dead.length).toBe(records.length);
              expect(scored).toBeGreaterThanOrEqual(items.filter((i) => i.ok).length);
              for (const d of dead) {
                expect(d.reason.length).toBeGreaterThan(3);
                expect(records.some((r) => r.offset === d.offset && r.topic === d.topic)).toBe(true);
              }
              consumed += records.length;
            },
          ),
          { numRuns: 200, seed: 42 },
        );
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        // Reject rates per source: every record counted once under the partition it was read from.
        const channels = new Map<string, number>();
        for (const v of (await s.metrics.channelRecords.get()).values)
          channels.set(
            `${v.labels.channel} ${v.labels.outcome}`,
            (channels.get(`${v.labels.channel} ${v.labels.outcome}`) ?? 0) + v.value,
          );
        const rejectedAt = (topic: string) => channels.get(`kafka:${topic}/0 rejected`) ?? 0;
        expect([...channels.values()].reduce((a, b) => a + b, 0)).toBe(consumed);
        expect(rejectedAt(cfg.kafka.topics.access_logs) + rejectedAt(cfg.kafka.topics.metrics)).toBe(
          s.rejected,
        );
        note(
          `${consumed} records consumed = ${s.scored + s.metricSamples} scored + ${s.rejected} dead-lettered`,
        );
      },
    );
  });

  it('a 5 MB record, an empty value and invalid UTF-8 beside valid ones', async () => {
    await report.check(
      'hostile input',
      'Kafka topics (scorer): a 5 MB record, an empty (tombstone) value, U+FFFD-laden text, between valid records',
      'the three dead-lettered (the big one truncated to 64 KiB); the valid ones scored',
      async (note) => {
        const { s, producer, cfg } = scorer();
        const big = 'x'.repeat(5 * 1024 * 1024);
        const values = [
          VALID[0]!,
          big,
          '',
          Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('utf8'),
          VALID[1]!,
        ];
        await s.handle(
          values.map((value, i) => ({
            topic: cfg.kafka.topics.access_logs,
            partition: 1,
            offset: String(i),
            key: null,
            value,
          })),
        );
        expect(s.scored).toBe(2);
        const dead = producer
          .on(cfg.kafka.topics.dlq)
          .map((m) => JSON.parse(m.value) as { offset: string; truncated?: boolean; record: string });
        expect(dead.map((d) => d.offset)).toEqual(['1', '2', '3']);
        expect(dead[0]!.truncated).toBe(true);
        expect(dead[0]!.record.length).toBe(64 * 1024);
        note('scored 2, dead-lettered 3');
      },
    );
  });
});
