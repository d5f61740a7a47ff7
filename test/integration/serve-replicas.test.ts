/**
 * Two `meshguard serve --role scorer` processes in one consumer group on a 4-partition topic, against
 * the librdkafka mock cluster and redis-server:
 * - a second replica joins in the middle of the stream (rebalance), then the first is killed with SIGKILL;
 * - every record produced is handed to a pipeline at least once (offset ranges from both replicas' logs);
 * - the attacks that start right after the move are found, each raised once, by the surviving replica,
 *   which loaded the moved workloads' baselines from Redis.
 * Needs the compiled CLI: dist/ is rebuilt in beforeAll when older than the sources.
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
import { ensureBuilt } from '../helpers/build.js';
import { ScorerProcess as Replica } from '../helpers/scorer-process.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { raisedOnce } from '../helpers/raised.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const TOPIC = 'mesh.access-logs';

/** Waits, with the replicas' recent log lines in the error. */
function waitFor(check: () => boolean, timeoutMs: number, what: string, replicas: Replica[] = []) {
  return waitUntil(check, timeoutMs, what, {
    detail: () =>
      replicas
        .map(
          (r) =>
            `${r.name}: ${r.logs
              .filter((l) => l.level !== 20)
              .slice(-12)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
        )
        .join('\n'),
  });
}

/** Offsets handed over, per partition, from the replicas' "Batch handed over" logs. */
function coverage(replicas: Replica[]): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const r of replicas)
    for (const l of r.logs) {
      if (l.msg !== 'Batch handed over' || l.topic !== TOPIC) continue;
      const set = out.get(l.partition!) ?? new Set<number>();
      for (let o = Number(l.fromOffset); o <= Number(l.toOffset); o++) set.add(o);
      out.set(l.partition!, set);
    }
  return out;
}

let kafka: KafkaMock;
let redis: RedisServer;
const replicas: Replica[] = [];
let incidents: TopicCollector;
let dlq: TopicCollector;

beforeAll(async () => {
  ensureBuilt();
  [kafka, redis] = await Promise.all([startKafkaMock(), startRedis()]);
}, 240_000);

afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  await Promise.all([incidents?.stop(), dlq?.stop()]);
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

describe('two scorer replicas, a rebalance and a SIGKILL', () => {
  it('scores every record at least once, raises each attack once, keeps baselines across the move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-replicas-'));
    const configFile = join(dir, 'meshguard.yaml');
    writeFileSync(
      configFile,
      stringify({
        log_level: 'debug',
        http: { host: '127.0.0.1' },
        kafka: {
          group_id: 'replicas',
          // The records are keyed by source workload, and this test counts the hand-offs of this topic's
          // offsets: no repartition hop (kafka-invariant.test.ts covers the hop).
          repartition: false,
          from_beginning: true,
          session_timeout_ms: 6000,
          heartbeat_interval_ms: 500,
        },
        alerts: { channels: [] },
        quarantine: { policies_dir: join(dir, 'policies') },
      }),
    );
    const env = { MESHGUARD_KAFKA_BROKERS: kafka.brokers.join(','), MESHGUARD_REDIS_URL: redis.url };

    const producerClient = new Kafka({
      clientId: 'test-shipper',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = producerClient.producer();
    await producer.connect();
    // Create the topic (4 partitions on the mock) before the group forms, as a shipper would.
    await producer.send({
      topic: TOPIC,
      messages: [{ key: 'bootstrap', value: 'not an access log (bootstrap line)' }],
    });
    let produced = 1;
    incidents = await collectTopic(kafka.brokers, 'meshguard.incidents');
    dlq = await collectTopic(kafka.brokers, 'meshguard.dlq');

    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
    const scan = sim.schedule('path_scanning', T0 + 240_000);
    const lateral = sim.schedule('lateral_movement', T0 + 250_000);
    /** Produce simulated traffic as a shipper writing Kafka directly: keyed by source workload. */
    const produce = async (fromMs: number, toMs: number): Promise<void> => {
      const messages: Array<{ key: string | null; value: string }> = [];
      sim.generate(fromMs, toMs, (record) => {
        const value = JSON.stringify(record);
        let key: string | null = null;
        parseLine(value, 'auto', defaultParseOptions, (r) => {
          if (r.ok) key ??= r.event.src;
        });
        messages.push({ key, value });
      });
      for (let i = 0; i < messages.length; i += 1000)
        await producer.send({ topic: TOPIC, messages: messages.slice(i, i + 1000) });
      produced += messages.length;
    };

    const a = new Replica(configFile, env, 'A');
    replicas.push(a);
    await waitFor(
      () => (a.lastAssignment(TOPIC)?.length ?? 0) === 4,
      30_000,
      'replica A to own all 4 partitions',
      [a],
    );

    // Phase 1: baseline traffic; replica B joins in the middle of it (rebalance).
    for (let t = T0; t < T0 + 230_000; t += 23_000) {
      await produce(t, t + 23_000);
      if (t === T0 + 69_000) replicas.push(new Replica(configFile, env, 'B'));
      await new Promise((r) => setTimeout(r, 300));
    }
    const b = replicas[1]!;
    await waitFor(
      () => (a.lastAssignment(TOPIC)?.length ?? 0) === 2 && (b.lastAssignment(TOPIC)?.length ?? 0) === 2,
      30_000,
      'the rebalance to split the partitions',
      [a, b],
    );
    const handedOver = (): number => [...coverage([a, b]).values()].reduce((n, s) => n + s.size, 0);
    await waitFor(() => handedOver() >= produced, 60_000, 'phase 1 handed over', [a, b]);
    await new Promise((r) => setTimeout(r, 1000)); // let the last commit and state write land

    // Kill A: its partitions (and their baselines, through Redis) move to B.
    a.child.kill('SIGKILL');
    await a.exited;
    await waitFor(
      () => (b.lastAssignment(TOPIC)?.length ?? 0) === 4,
      60_000,
      'replica B to take all 4 partitions',
      [b],
    );

    // Phase 2: the attacks start right after the move.
    for (let t = T0 + 230_000; t < T0 + 330_000; t += 25_000) await produce(t, t + 25_000);
    await producer.disconnect();
    await waitFor(
      () => {
        const cov = coverage([a, b]);
        return [...cov.values()].reduce((n, s) => n + s.size, 0) >= produced;
      },
      90_000,
      'every record handed over',
      [b],
    );

    // At least once: every offset of every partition was handed to a pipeline by one replica or the other.
    const cov = coverage([a, b]);
    const total = [...cov.values()].reduce((n, s) => n + s.size, 0);
    expect(total).toBe(produced);
    for (const offsets of cov.values()) expect(Math.max(...offsets) + 1).toBe(offsets.size);

    await waitFor(() => incidents.values.length >= 2, 60_000, 'the two incidents', [b]);
    await new Promise((r) => setTimeout(r, 2000));
    const raised = raisedOnce(incidents.values.map((v) => JSON.parse(v) as Incident));
    const keyOf = (i: Incident) =>
      `${i.kind}|${'principal' in i.workload ? i.workload.principal : i.workload.address}`;
    expect(new Set(raised.map(keyOf)).size).toBe(raised.length);
    expect(raised.map(keyOf).sort()).toEqual(
      [`lateral_movement|${lateral.actor.principal}`, `scanning|${scan.actor.principal}`].sort(),
    );
    // B took baselines from Redis for the workloads that moved to it.
    expect(
      b.logs.some((l) => l.msg === 'Loaded entity state from the state store' && (l.entities ?? 0) > 0),
    ).toBe(true);
    // The bad line went to the DLQ with its reason.
    await waitFor(() => dlq.values.length >= 1, 20_000, 'the dead letter');
    expect(JSON.parse(dlq.values[0]!)).toMatchObject({
      record: 'not an access log (bootstrap line)',
      topic: TOPIC,
    });

    // Graceful stop of B: exit code 0, committed and out of the group.
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.has('Stopped')).toBe(true);
  }, 300_000);
});
