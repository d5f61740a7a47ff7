/**
 * A `meshguard serve --role scorer` process killed with SIGKILL in the middle of a stream (no shutdown, no
 * final commit), against the Kafka mock cluster and redis-server; a second replica in the same group takes
 * its partitions after the session timeout:
 * - events are conserved: every offset produced was handed over (scored or dead-lettered) by one replica or
 *   the other, counted from their "Batch handed over" logs (at-least-once: the uncommitted tail twice);
 * - the attack is raised once, although the tail of the stream is scored twice (dedup through Redis).
 * Needs the compiled CLI: dist/ is rebuilt when older than the sources.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { stringify } from 'yaml';
import type { Incident } from '../../pipelines/core/incident.js';
import { defaultParseOptions, parseLine } from '../../pipelines/parse/index.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { collectTopic, startKafkaMock, type KafkaMock, type TopicCollector } from '../helpers/kafka-mock.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { ensureBuilt } from '../helpers/build.js';
import { ScorerProcess as Replica } from '../helpers/scorer-process.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { raisedOnce } from '../helpers/raised.js';

const report = reliabilityReport('faults-scorer-kill');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const TOPIC = 'mesh.access-logs';

/** Waits, with every replica's recent log lines in the error. */
function waitFor(check: () => boolean, timeoutMs: number, what: string) {
  return waitUntil(check, timeoutMs, what, {
    detail: () =>
      replicas
        .map(
          (r, i) =>
            `replica ${i}: ${r.logs
              .filter((l) => Number(l.level ?? 50) >= 30 && l.msg !== 'Batch handed over')
              .slice(-6)
              .map((l) => JSON.stringify(l).slice(0, 250))
              .join('\n')}`,
        )
        .join('\n'),
  });
}

let kafka: KafkaMock;
let redis: RedisServer;
const replicas: Replica[] = [];
let incidents: TopicCollector;

beforeAll(async () => {
  ensureBuilt();
  [kafka, redis] = await Promise.all([startKafkaMock(), startRedis()]);
}, 240_000);

afterAll(async () => {
  for (const r of replicas)
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await incidents?.stop();
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

describe('scorer killed with SIGKILL mid-stream', () => {
  it('conserves events (at least once) and raises the attack once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-kill-'));
    const configFile = join(dir, 'meshguard.yaml');
    writeFileSync(
      configFile,
      stringify({
        log_level: 'debug',
        http: { host: '127.0.0.1' },
        // Small batches: many commits, so the kill lands between a hand-off and its commit often enough.
        kafka: {
          group_id: 'kill',
          // The records are keyed by source workload, and this test counts the hand-offs of this topic's
          // offsets: no repartition hop (kafka-invariant.test.ts covers the hop).
          repartition: false,
          from_beginning: true,
          session_timeout_ms: 6000,
          heartbeat_interval_ms: 500,
          max_batch_events: 100,
        },
        alerts: { channels: [] },
        quarantine: { policies_dir: join(dir, 'policies') },
      }),
    );
    const env = { MESHGUARD_KAFKA_BROKERS: kafka.brokers.join(','), MESHGUARD_REDIS_URL: redis.url };

    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
    const scan = sim.schedule('path_scanning', T0 + 240_000);
    const messages: Array<{ key: string | null; value: string }> = [];
    sim.generate(T0, T0 + 330_000, (record) => {
      const value = JSON.stringify(record);
      let key: string | null = null;
      parseLine(value, 'auto', defaultParseOptions, (r) => {
        if (r.ok) key ??= r.event.src;
      });
      messages.push({ key, value });
    });
    // Bad records in the stream: they must be dead-lettered, once or more, never lost.
    for (let i = 1; i <= 20; i++)
      messages.splice(i * 1000, 0, { key: null, value: `not an access log #${i}` });

    const producer = new Kafka({
      clientId: 'test-shipper',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [{ key: 'bootstrap', value: 'not an access log (bootstrap)' }],
    });
    let produced = 1;
    incidents = await collectTopic(kafka.brokers, 'meshguard.incidents');

    const a = new Replica(configFile, env);
    replicas.push(a);
    await waitFor(() => a.lastAssignment(TOPIC)?.length === 4, 30_000, 'replica A to own the partitions');
    const handed = (rs: Replica[]): number =>
      rs
        .flatMap((r) => r.batches(TOPIC))
        .reduce((n, b) => n + Number(b.toOffset) - Number(b.fromOffset) + 1, 0);

    // Produce in paced slices (the mock keeps only a few MB per partition); kill A in the middle.
    let killedAt = 0;
    for (let i = 0; i < messages.length; i += 1000) {
      await producer.send({ topic: TOPIC, messages: messages.slice(i, i + 1000) });
      produced += Math.min(1000, messages.length - i);
      if (!killedAt && i >= messages.length / 2) {
        await waitFor(() => handed([a]) > produced * 0.3, 30_000, 'A to be scoring');
        a.child.kill('SIGKILL');
        await a.exited;
        killedAt = handed([a]);
        replicas.push(new Replica(configFile, env));
        // The shipper pauses until B owns the partitions: the mock cluster keeps only a few MB per partition,
        // and records deleted by retention before any replica read them are lost to every consumer.
        await waitFor(
          () => replicas[1]!.lastAssignment(TOPIC)?.length === 4,
          60_000,
          'replica B to take all partitions',
        );
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    await producer.disconnect();
    const b = replicas[1]!;

    await report.check(
      'faults',
      'A scorer killed with SIGKILL mid-stream; a second replica takes over',
      'every offset handed over (scored or dead-lettered) by one replica or the other: consumed = scored + dead-lettered, at least once',
      async (note) => {
        await waitFor(
          () => b.lastAssignment(TOPIC)?.length === 4,
          60_000,
          'replica B to take all partitions',
        );
        const offsets = (): Map<number, Set<number>> => {
          const out = new Map<number, Set<number>>();
          for (const l of [...a.batches(TOPIC), ...b.batches(TOPIC)]) {
            const set = out.get(l.partition!) ?? new Set<number>();
            for (let o = Number(l.fromOffset); o <= Number(l.toOffset); o++) set.add(o);
            out.set(l.partition!, set);
          }
          return out;
        };
        const distinct = (): number => [...offsets().values()].reduce((n, s) => n + s.size, 0);
        await waitFor(() => distinct() >= produced, 90_000, `every record handed over (${produced})`).catch(
          (error: Error) => {
            const problems = b.logs
              .filter((l) => typeof l.level === 'number' && l.level >= 40)
              .slice(-5)
              .map((l) => JSON.stringify(l).slice(0, 300));
            throw new Error(`${error.message}: ${distinct()} handed over; B: ${problems.join(' | ')}`);
          },
        );
        for (const set of offsets().values()) expect(Math.max(...set) + 1).toBe(set.size);
        const batches = [...a.batches(TOPIC), ...b.batches(TOPIC)];
        const scoredOrDead = batches.reduce((n, l) => n + (l.events ?? 0) + (l.rejected ?? 0), 0);
        expect(scoredOrDead).toBe(handed([a, b]));
        expect(batches.reduce((n, l) => n + (l.rejected ?? 0), 0)).toBeGreaterThanOrEqual(21);
        note(
          `${produced} produced; A handed over ${killedAt} before the kill; ${handed([a, b]) - produced} handed over twice (uncommitted when A died); every offset covered, each hand-off = scored + dead-lettered`,
        );
      },
    );

    await report.check(
      'faults',
      'The attack in a stream whose scorer was killed mid-stream (B re-reads what A had not committed)',
      'raised once (incident dedup through Redis)',
      async (note) => {
        await waitFor(
          () => incidents.values.some((v) => (JSON.parse(v) as Incident).kind === 'scanning'),
          60_000,
          'the scanning incident',
        );
        await new Promise((r) => setTimeout(r, 3000));
        const raised = raisedOnce(incidents.values.map((v) => JSON.parse(v) as Incident));
        const scans = raised.filter((i) => i.kind === 'scanning');
        expect(scans).toHaveLength(1);
        expect(scans[0]!.workload).toMatchObject({ principal: scan.actor.principal });
        expect(new Set(raised.map((i) => `${i.kind}|${JSON.stringify(i.workload)}`)).size).toBe(
          raised.length,
        );
        note(`${raised.length} incident(s) on meshguard.incidents: ${raised.map((i) => i.kind).join(', ')}`);
      },
    );

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 240_000);
});
