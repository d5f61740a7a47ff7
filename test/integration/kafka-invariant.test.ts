/**
 * The Kafka-mode invariant: `meshguard serve --role scorer` replicas on the librdkafka mock cluster and a
 * real Redis raise the incidents replay raises over the same records (same offender, same kind, detected
 * within one window of event time), none twice, whatever the partitioning:
 * - keyless records (as Fluent Bit, Vector and the OTel exporter produce by default) and records keyed by
 *   the pod whose sidecar emitted them (often the destination: the wrong entity);
 * - 1, 2 and 4 scorers; with 2, one is killed with SIGKILL a third of the way in and restarted two thirds in;
 * - chunks compressed with every codec in turn (none, gzip, snappy, lz4, zstd), plus one corrupt batch
 *   that must go to the dead-letter topic without stopping anything.
 * Needs the compiled CLI: dist/ is rebuilt in beforeAll when older than the sources.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { defaultParseOptions, parseLine } from '../../pipelines/parse/index.js';
import { CODECS, registerKafkaCodecs } from '../../pipelines/sources/kafka/codecs.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { collectTopic, startKafkaMock, type KafkaMock, type TopicCollector } from '../helpers/kafka-mock.js';
import { runEvents } from '../helpers/pipeline.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { ScorerProcess } from '../helpers/scorer-process.js';
import { waitFor } from '../helpers/wait.js';

const { CompressionTypes, CompressionCodecs } = kafkajs;
const T0 = Date.parse('2024-05-01T10:00:00Z');
/**
 * `npm run test:kafka-long` (MESHGUARD_KAFKA_LONG=1): a quarter of an hour with eight attackers, slow
 * ones among them (a 25-minute upload drip, brute force over TCP), as an outside check runs it.
 */
const LONG = process.env.MESHGUARD_KAFKA_LONG === '1';
const END = T0 + (LONG ? 900_000 : 300_000);
/** Attack scenarios and their start, in seconds after T0. */
const ATTACKS: Array<[string, number]> = [
  ['path_scanning', 170],
  ['lateral_movement', 200],
  ['rbac_probing', 230],
  ...(LONG
    ? ([
        ['bulk_read_exfiltration', 300],
        ['slow_drip_upload', 360],
        ['credential_stuffing', 420],
        ['kubernetes_api_access', 480],
        ['tcp_password_guessing', 540],
      ] as Array<[string, number]>)
    : []),
];
const CHUNK_MS = 20_000;
const WINDOW_MS = 10_000;
const CODEC_CYCLE = [
  CompressionTypes.None,
  CompressionTypes.GZIP,
  CompressionTypes.Snappy,
  CompressionTypes.LZ4,
  CompressionTypes.ZSTD,
];

interface ShippedRecord {
  timeMs: number;
  pod: string;
  value: string;
}

/** The corpus, as lines a shipper would send, and the events replay scores. */
function corpus(): { records: ShippedRecord[]; events: MeshEvent[] } {
  const sim = new MeshSimulator({ seed: 7, startMs: T0, services: 10, ratePerSec: 15 });
  for (const [scenario, atSecs] of ATTACKS) sim.schedule(scenario, T0 + atSecs * 1000);
  const records: ShippedRecord[] = [];
  const events: MeshEvent[] = [];
  sim.generate(T0, END, (record) => {
    const value = JSON.stringify(record);
    const pod = (record.kubernetes as { pod_name?: string } | undefined)?.pod_name ?? '';
    parseLine(value, 'auto', defaultParseOptions, (r) => {
      if (r.ok) events.push(r.event);
    });
    records.push({ timeMs: Date.parse(record.start_time as string), pod, value });
  });
  return { records, events };
}

const offender = (i: Incident): string =>
  `${i.kind}|${'principal' in i.workload ? i.workload.principal : i.workload.address}`;

let kafka: KafkaMock;
let redis: RedisServer;
let producer: Producer;
const scorers: ScorerProcess[] = [];
const collectors: TopicCollector[] = [];
const { records, events } = corpus();
let replay: Incident[];

beforeAll(async () => {
  ensureBuilt();
  registerKafkaCodecs();
  [kafka, redis] = await Promise.all([startKafkaMock(), startRedis()]);
  producer = new Kafka({
    clientId: 'test-shipper',
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  replay = (await runEvents(events)).incidents;
}, 240_000);

afterAll(async () => {
  for (const s of scorers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await Promise.all(collectors.map((c) => c.stop()));
  await producer?.disconnect();
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

interface Case {
  name: string;
  scorers: number;
  keyedByPod: boolean;
  killOne?: boolean;
}

async function runCase(c: Case, db: number): Promise<void> {
  const prefix = `case${db}`;
  const topics = {
    access_logs: `${prefix}.access-logs`,
    metrics: `${prefix}.metrics`,
    incidents: `${prefix}.incidents`,
    dlq: `${prefix}.dlq`,
    repartition: `${prefix}.by-source`,
  };
  const dir = mkdtempSync(join(tmpdir(), 'mg-invariant-'));
  const configFile = join(dir, 'meshguard.yaml');
  writeFileSync(
    configFile,
    stringify({
      log_level: 'info',
      http: { host: '127.0.0.1' },
      kafka: {
        group_id: `${prefix}-scorers`,
        topics,
        from_beginning: true,
        session_timeout_ms: 6000,
        heartbeat_interval_ms: 500,
      },
      // Longer than the session timeout plus a rebalance (at most 10 s here), as the setting asks: a dead
      // replica's partitions move, and their backlog is forwarded, before its inputs count as idle.
      windowing: { partition_idle_secs: 20 },
      alerts: { channels: [] },
      quarantine: { policies_dir: join(dir, 'policies') },
    }),
  );
  const env = { MESHGUARD_KAFKA_BROKERS: kafka.brokers.join(','), MESHGUARD_REDIS_URL: `${redis.url}/${db}` };
  // Create the topics (4 partitions on the mock) before the group forms, as a deployment would.
  for (const topic of [topics.access_logs, topics.repartition])
    await producer.send({
      topic,
      messages: [{ key: 'bootstrap', value: 'not an access log (bootstrap line)' }],
    });
  const incidents = await collectTopic(kafka.brokers, topics.incidents);
  const dlq = await collectTopic(kafka.brokers, topics.dlq);
  collectors.push(incidents, dlq);

  const started = Array.from(
    { length: c.scorers },
    (_, i) => new ScorerProcess(configFile, env, `${prefix}-${i}`),
  );
  scorers.push(...started);
  await waitFor(
    () => started.every((s) => s.lastAssignment(topics.access_logs) !== undefined),
    60_000,
    'every scorer to join the group',
  );

  const chunks = Math.ceil((END - T0) / CHUNK_MS);
  let victim: ScorerProcess | undefined;
  for (let k = 0; k < chunks; k++) {
    if (c.killOne && k === Math.floor(chunks / 3)) {
      victim = started[1]!;
      victim.child.kill('SIGKILL');
      await victim.exited;
    }
    if (c.killOne && k === Math.floor((2 * chunks) / 3))
      scorers.push(new ScorerProcess(configFile, env, `${prefix}-restarted`));
    const from = T0 + k * CHUNK_MS;
    const chunk = records.filter((r) => r.timeMs >= from && r.timeMs < from + CHUNK_MS);
    const compression = CODEC_CYCLE[k % CODEC_CYCLE.length]!;
    for (let i = 0; i < chunk.length; i += 500)
      await producer.send({
        topic: topics.access_logs,
        compression,
        messages: chunk.slice(i, i + 500).map((r) => ({ key: c.keyedByPod ? r.pod : null, value: r.value })),
      });
    if (k === 2) await sendCorruptBatch(topics.access_logs);
    await new Promise((r) => setTimeout(r, 1000));
  }

  const expected = new Set(replay.map(offender));
  expect(expected.size).toBeGreaterThanOrEqual(LONG ? 8 : 3);
  // Every incident replay raised, escalations included: an escalation may come well after its offender's
  // first incident in wall time (its window closes once the partition's clock passes it, which a
  // rebalance holds up), so waiting for each offender once and then 3 s failed on late, not lost, ones.
  const count = (list: string[], o: string) => list.filter((x) => x === o).length;
  const offenders = () => incidents.values.map((v) => offender(JSON.parse(v) as Incident));
  await waitFor(
    () => [...expected].every((o) => count(offenders(), o) >= count(replay.map(offender), o)),
    120_000,
    `${c.name}: the ${replay.length} incidents (${expected.size} offenders) replay raised`,
    { detail: () => `${incidents.values.length} raised: ${offenders().join(', ')}` },
  );
  await new Promise((r) => setTimeout(r, 3000)); // a duplicate would show up now
  const raised = incidents.values.map((v) => JSON.parse(v) as Incident);
  // Across kills and rebalances nothing is raised twice: an incident again only when more severe (as
  // replay does), each quarantine once.
  const once = (list: string[]) => expect(list.length, list.join(', ')).toBe(new Set(list).size);
  once(raised.map((i) => `${i.id} ${i.severity}`));
  const logs = scorers.filter((s) => s.name.startsWith(prefix)).flatMap((s) => s.logs);
  once(logs.filter((l) => l.msg === 'Quarantine policy applied.').map((l) => String(l.quarantineId)));
  const described = (list: Incident[]) =>
    list
      .map(
        (i) =>
          `${offender(i)} ${i.severity} at ${i.detectedAt} [${i.detectors.join(',')}]: ${String(i.evidence.summary)}`,
      )
      .join('; ');
  expect(raised.map(offender).sort(), `raised ${described(raised)}; replay ${described(replay)}`).toEqual(
    replay.map(offender).sort(),
  );
  // An offender's records (first detection, escalations) paired in order of detection.
  const nth = (list: Incident[], i: Incident) =>
    list.filter((x) => offender(x) === offender(i) && Date.parse(x.detectedAt) < Date.parse(i.detectedAt))
      .length;
  for (const r of replay) {
    const n = nth(replay, r);
    const k = raised
      .filter((i) => offender(i) === offender(r))
      .sort((a, b) => Date.parse(a.detectedAt) - Date.parse(b.detectedAt))[n]!;
    const lead = Date.parse(r.detectedAt) - Date.parse(k.detectedAt);
    const what = `${offender(r)} ${n ? 'escalated' : 'detected'} at ${k.detectedAt}, replay at ${r.detectedAt}`;
    // Within a window of replay either way, a kill or not: the batch a killed forwarder sent on but had
    // not committed is forwarded again, and its reader drops the copies, so no evidence counts twice.
    expect(Math.abs(lead), what).toBeLessThanOrEqual(WINDOW_MS);
  }
  // The corrupt batch and the bootstrap lines went to the dead-letter topic, with their reasons.
  await waitFor(
    () => dlq.values.some((v) => /decompression failed/.test(v)),
    30_000,
    'the corrupt batch dead-lettered',
  );
  for (const s of scorers.filter((s) => s.name.startsWith(prefix)))
    if (s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
}

/** A batch whose lz4 frame is garbage: written with a codec that does not compress at all. */
async function sendCorruptBatch(topic: string): Promise<void> {
  const real = CompressionCodecs[CompressionTypes.LZ4];
  CompressionCodecs[CompressionTypes.LZ4] = () => ({
    compress: async () => Buffer.from('this is not an lz4 frame'),
    decompress: CODECS.lz4.decompress,
  });
  try {
    await producer.send({
      topic,
      compression: CompressionTypes.LZ4,
      messages: [
        { key: null, value: 'lost to corruption' },
        { key: null, value: 'this one too' },
      ],
    });
  } finally {
    CompressionCodecs[CompressionTypes.LZ4] = real;
  }
}

const CASES: Array<{ title: string; c: Case; db: number; timeoutMs: number }> = [
  {
    title: 'one scorer, keyless records, every codec',
    c: { name: '1 keyless', scorers: 1, keyedByPod: false },
    db: 1,
    timeoutMs: 300_000,
  },
  {
    title: 'two scorers, records keyed by the emitting pod, one killed with SIGKILL and restarted',
    c: { name: '2 keyed by pod, kill', scorers: 2, keyedByPod: true, killOne: true },
    db: 2,
    timeoutMs: 400_000,
  },
  {
    // How shippers produce by default, and how an outside check runs it: keyless, one scorer lost mid-way.
    title: 'two scorers, keyless records, one killed with SIGKILL and restarted',
    c: { name: '2 keyless, kill', scorers: 2, keyedByPod: false, killOne: true },
    db: 4,
    timeoutMs: 400_000,
  },
  {
    title: 'four scorers, keyless records',
    c: { name: '4 keyless', scorers: 4, keyedByPod: false },
    db: 3,
    timeoutMs: 400_000,
  },
];

describe('Kafka mode finds what replay finds', () => {
  for (const { title, c, db, timeoutMs } of CASES)
    it(title, () => runCase(c, db), LONG ? timeoutMs * 3 : timeoutMs);
});
