/**
 * `meshguard serve` on real services, in one process (the Service behind runServe): HTTP ingest →
 * Kafka (librdkafka mock cluster) → scorer consumer group → incidents topic, with state in redis-server.
 * Simulated mesh traffic with a path scan and lateral movement must come out as exactly those incidents;
 * bad lines must reach the DLQ with their reasons; remote_write samples must reach the metrics topic and
 * the scorer.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import snappy from 'snappyjs';
import { Redis } from 'ioredis';
import { resolveConfig } from '../../config/validate.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { Service } from '../../services/service.js';
import { WriteRequest } from '../../pipelines/metrics/remote-write/remote-write.js';
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { collectTopic, type TopicCollector } from '../helpers/kafka-mock.js';
import { waitFor } from '../helpers/wait.js';
import { raisedOnce } from '../helpers/raised.js';

const logger = pino({ level: 'silent' });
const T0 = Date.parse('2024-05-01T10:00:00Z');

let kafka: KafkaMock;
let redis: RedisServer;
let service: Service;
let incidents: TopicCollector;
let dlq: TopicCollector;
let metricsTopic: TopicCollector;

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
      group_id: 'e2e',
    },
    redis: { url: redis.url },
    ingest: { token: 'ingest-token' },
    quarantine: { policies_dir: mkdtempSync(join(tmpdir(), 'mg-policies-')) },
    alerts: { channels: [] },
  });
  service = new Service(cfg, 'all', logger);
  await service.start();
  incidents = await collectTopic(kafka.brokers, 'meshguard.incidents');
  dlq = await collectTopic(kafka.brokers, 'meshguard.dlq');
  metricsTopic = await collectTopic(kafka.brokers, 'mesh.metrics');
}, 60_000);

afterAll(async () => {
  await Promise.all([incidents?.stop(), dlq?.stop(), metricsTopic?.stop()]);
  await service?.stop();
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

async function post(
  path: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`http://127.0.0.1:${service.port}${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer ingest-token', ...headers },
    body,
  });
}

describe('serve: ingest → Kafka → scorer → incidents', () => {
  it('finds the attacks in simulated traffic posted to the ingest API, once each', async () => {
    expect((await fetch(`http://127.0.0.1:${service.port}/readyz`)).status).toBe(200);

    // Kept well under the mock cluster's retention (a few MB per partition, oldest dropped silently).
    const sim = new MeshSimulator({ seed: 3, startMs: T0, services: 12, ratePerSec: 15 });
    const scan = sim.schedule('path_scanning', T0 + 240_000);
    const lateral = sim.schedule('lateral_movement', T0 + 250_000);
    const lines: string[] = [];
    sim.generate(T0, T0 + 330_000, (record) => lines.push(JSON.stringify(record)));
    // A few bad lines in the middle of the stream: set aside, nothing beside them lost.
    lines.splice(1000, 0, 'not an access log', '{"start_time": "yesterday"}');

    let accepted = 0;
    for (let i = 0; i < lines.length; i += 2500) {
      const res = await post('/ingest/envoy', lines.slice(i, i + 2500).join('\n'), {
        'content-type': 'application/x-ndjson',
      });
      expect(res.status).toBe(200);
      accepted += ((await res.json()) as { accepted: number }).accepted;
    }
    expect(accepted).toBe(lines.length - 2);

    await waitFor(() => incidents.values.length >= 2, 90_000, 'two incidents on meshguard.incidents');
    await new Promise((r) => setTimeout(r, 1500));
    const raised = incidents.values.map((v) => JSON.parse(v) as Incident);
    const byKind = new Map(raised.map((i) => [i.kind, i]));
    expect(byKind.get('scanning')?.workload).toMatchObject({ principal: scan.actor.principal });
    expect(byKind.get('lateral_movement')?.workload).toMatchObject({ principal: lateral.actor.principal });
    expect(raisedOnce(raised)).toHaveLength(2);
    // This Kafka asks for no SASL login: anyone who reaches it could have written the records, so no
    // quarantine acts on its own (a person approves).
    for (const i of raised) {
      if (i.action.type !== 'quarantine') continue;
      expect(i.action.mode).toBe('pending-approval');
      // An escalation's record points at the decision its first record took.
      if (raised.find((first) => first.id === i.id) === i)
        expect(i.action.reason).toMatch(/Kafka takes records from anyone .* could be forged/);
      else expect(i.action.reason).toMatch(/^offender already quarantined as /);
    }
    expect(raised.some((i) => i.action.type === 'quarantine')).toBe(true);

    // The admin API of the same port lists them.
    const listed = (await (await fetch(`http://127.0.0.1:${service.port}/api/incidents`)).json()) as unknown;
    expect(JSON.stringify(listed)).toContain(byKind.get('scanning')!.id);

    // Dead letters carry the reason and the record.
    await waitFor(() => dlq.values.length >= 2, 20_000, 'dead letters');
    const dead = dlq.values.map((v) => JSON.parse(v) as { reason: string; record: string });
    expect(dead.map((d) => d.record)).toContain('not an access log');
    for (const d of dead) expect(d.reason.length).toBeGreaterThan(5);

    // Entity baselines are in Redis (they move with partitions).
    const raw = new Redis(redis.url);
    const keys = await raw.keys('meshguard:entity:*');
    raw.disconnect();
    expect(keys.length).toBeGreaterThan(5);

    const metrics = await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
    expect(metrics).toMatch(/meshguard_events_ingested_total\{source="http",format="istio-json"\} \d+/);
    expect(metrics).toMatch(/meshguard_events_ingested_total\{source="kafka",format="istio-json"\} \d+/);
    expect(metrics).toContain('meshguard_dependency_up{dependency="redis"} 1');
    expect(metrics).toMatch(/meshguard_consumer_lag_messages\{topic="mesh.access-logs"\} 0/);
  });

  it('accepts Prometheus remote_write and the scorer reads the samples from mesh.metrics', async () => {
    const body = WriteRequest.encode(
      WriteRequest.fromObject({
        timeseries: [
          {
            labels: [
              { name: '__name__', value: 'istio_requests_total' },
              { name: 'source_workload', value: 'frontend' },
              { name: 'source_workload_namespace', value: 'shop' },
            ],
            samples: [{ value: 10, timestamp: T0 }],
          },
        ],
      }),
    ).finish();
    const res = await post('/api/v1/write', snappy.compress(body), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    });
    expect(res.status).toBe(200);
    await waitFor(() => metricsTopic.values.length >= 1, 20_000, 'the sample on mesh.metrics');
    expect(JSON.parse(metricsTopic.values[0]!)).toMatchObject({ name: 'istio_requests_total', value: '10' });
    await waitFor(
      async () =>
        /meshguard_events_ingested_total\{source="kafka",format="prometheus-kafka-adapter"\} 1/.test(
          await (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text(),
        ),
      20_000,
      'the scorer to count the sample',
    );
  });

  it('rejects ingest without the token', async () => {
    const res = await fetch(`http://127.0.0.1:${service.port}/ingest/envoy`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(401);
  });
});
