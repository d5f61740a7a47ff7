/**
 * Redis stopped and restarted mid-stream under `meshguard serve` (ingest + scorer, Kafka mock cluster,
 * redis-server): scoring goes on from memory, /readyz and meshguard_dependency_up say Redis is down, the
 * attack that happens during the outage is still raised once, and entity state is written again once
 * Redis is back (the restarted server starts empty, so every key found there was written after it).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { Service } from '../../services/service.js';
import { collectTopic, startKafkaMock, type KafkaMock, type TopicCollector } from '../helpers/kafka-mock.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { waitFor } from '../helpers/wait.js';
import { raisedOnce } from '../helpers/raised.js';

const report = reliabilityReport('faults-redis');
const T0 = Date.parse('2024-05-01T10:00:00Z');

let kafka: KafkaMock;
let redis: RedisServer;
let service: Service;
let incidents: TopicCollector;

const url = (path: string): string => `http://127.0.0.1:${service.port}${path}`;
async function scored(): Promise<number> {
  const text = await (await fetch(url('/metrics'))).text();
  let total = 0;
  for (const m of text.matchAll(/meshguard_events_ingested_total\{source="kafka",format="[^"]+"\} (\d+)/g))
    total += Number(m[1]);
  return total;
}
/**
 * Post like a shipper that keeps the scorer's lag small: the mock cluster keeps only a few MB per partition
 * (retention), and records deleted before they are read are lost to any consumer.
 */
async function post(lines: string[]): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < lines.length; i += 2500) {
    const before = await scored();
    const res = await fetch(url('/ingest/envoy'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.slice(i, i + 2500).join('\n'),
    });
    expect(res.status).toBe(200);
    const n = ((await res.json()) as { accepted: number }).accepted;
    accepted += n;
    await waitFor(async () => (await scored()) >= before + n, 30_000, 'the scorer to catch up');
  }
  return accepted;
}
const skipped = (): number =>
  (service as unknown as { transport?: { source: { skipped?: number } } }).transport?.source.skipped ?? -1;

async function entityKeys(): Promise<number> {
  const raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await raw.connect();
    return (await raw.keys('meshguard:entity:*')).length;
  } finally {
    raw.disconnect();
  }
}

beforeAll(async () => {
  [kafka, redis] = await Promise.all([startKafkaMock(), startRedis()]);
  const cfg = resolveConfig({
    http: { host: '127.0.0.1', port: 0 },
    log_level: 'silent',
    kafka: {
      brokers: kafka.brokers,
      from_beginning: true,
      session_timeout_ms: 6000,
      heartbeat_interval_ms: 500,
      group_id: 'faults-redis',
    },
    redis: { url: redis.url },
    quarantine: { policies_dir: mkdtempSync(join(tmpdir(), 'mg-faults-redis-')) },
    alerts: { channels: [] },
  });
  service = new Service(
    cfg,
    'all',
    process.env.DEBUG_LOG
      ? pino({ level: 'debug' }, pino.destination({ dest: process.env.DEBUG_LOG, sync: true }))
      : pino({ level: 'silent' }),
  );
  await service.start();
  incidents = await collectTopic(kafka.brokers, 'meshguard.incidents');
}, 60_000);

afterAll(async () => {
  await incidents?.stop();
  await service?.stop();
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

describe('Redis faults', () => {
  it('stopped and restarted mid-stream: scoring continues, readiness shows it, state written again after', async () => {
    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 30 });
    const scan = sim.schedule('path_scanning', T0 + 240_000);
    const lines: string[] = [];
    sim.generate(T0, T0 + 330_000, (r) => lines.push(JSON.stringify(r)));
    const timeOf = (line: string): number =>
      Date.parse((JSON.parse(line) as { start_time: string }).start_time);
    const phase1 = lines.filter((l) => timeOf(l) < T0 + 200_000);
    const phase2 = lines.filter((l) => timeOf(l) >= T0 + 200_000 && timeOf(l) < T0 + 300_000);
    const phase3 = lines.filter((l) => timeOf(l) >= T0 + 300_000);

    expect(await post(phase1)).toBe(phase1.length);
    await waitFor(
      async () => (await scored()) >= phase1.length,
      30_000,
      `phase 1 scored (${phase1.length})`,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; scored ${await scored()}`);
    });
    await waitFor(async () => (await entityKeys()) > 0, 10_000, 'entity state in Redis');

    await redis.stop();
    await report.check(
      'faults',
      'Redis stopped mid-stream (the scan attack runs during the outage)',
      '/readyz 503 naming redis and meshguard_dependency_up{dependency="redis"} 0 within 5 s; ingest still 200; every record still scored',
      async (note) => {
        const noticed = await waitFor(
          async () => {
            const res = await fetch(url('/readyz'));
            return res.status === 503 && ((await res.json()) as { down: string[] }).down.includes('redis');
          },
          5000,
          '/readyz to name redis',
        );
        expect(await (await fetch(url('/metrics'))).text()).toContain(
          'meshguard_dependency_up{dependency="redis"} 0',
        );
        const started = Date.now();
        expect(await post(phase2)).toBe(phase2.length);
        await waitFor(
          async () => (await scored()) >= phase1.length + phase2.length,
          30_000,
          'phase 2 scored while Redis is down',
        );
        note(
          `readiness 503 after ${noticed} ms; ${phase2.length} records posted and scored during the outage in ${Date.now() - started} ms`,
        );
      },
    );

    await redis.restart();
    await report.check(
      'faults',
      'Redis restarted empty',
      '/readyz 200 again without a restart of meshguard; entity state written to the new Redis; scoring goes on',
      async (note) => {
        const back = await waitFor(
          async () => (await fetch(url('/readyz'))).status === 200,
          20_000,
          '/readyz 200 after Redis returned',
        );
        const written = await waitFor(
          async () => (await entityKeys()) > 0,
          20_000,
          'entity state written to the restarted Redis',
        );
        expect(await post(phase3)).toBe(phase3.length);
        await waitFor(async () => (await scored()) >= lines.length, 30_000, 'phase 3 scored');
        expect(await (await fetch(url('/metrics'))).text()).toContain(
          'meshguard_dependency_up{dependency="redis"} 1',
        );
        expect(skipped()).toBe(0);
        note(
          `ready ${back} ms after the restart; ${await entityKeys()} entity keys written (first within ${written} ms after ready); ${lines.length} of ${lines.length} records scored overall`,
        );
      },
    );

    await report.check(
      'faults',
      'An attack during the Redis outage',
      "raised once (dedup falls back to the replica's memory)",
      async (note) => {
        await waitFor(
          () => incidents.values.some((v) => (JSON.parse(v) as Incident).kind === 'scanning'),
          30_000,
          'the scanning incident',
        );
        await new Promise((r) => setTimeout(r, 1500));
        const raised = raisedOnce(incidents.values.map((v) => JSON.parse(v) as Incident));
        const scans = raised.filter((i) => i.kind === 'scanning');
        expect(scans).toHaveLength(1);
        expect(scans[0]!.workload).toMatchObject({ principal: scan.actor.principal });
        note(`${raised.length} incident(s): ${raised.map((i) => i.kind).join(', ')}`);
      },
    );
  }, 120_000);
});
