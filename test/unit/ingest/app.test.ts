/** The ingest API through buildApp() + app.inject(): what a log shipper or Prometheus sees. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import snappy from 'snappyjs';
import { resolveConfig } from '../../../config/validate.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import {
  TransportBusyError,
  type OutRecord,
  type RecordProducer,
} from '../../../pipelines/sources/bus/types.js';
import { buildApp } from '../../../services/ingest/app.js';
import { WriteRequest } from '../../../services/ingest/metric-records.js';

const logger = pino({ level: 'silent' });

class FakeProducer implements RecordProducer {
  sent: Array<{ topic: string; messages: OutRecord[] }> = [];
  up = true;
  fail: Error | undefined;
  hold: Promise<void> | undefined;
  async send(topic: string, messages: OutRecord[]): Promise<void> {
    if (this.hold) await this.hold;
    if (this.fail) throw this.fail;
    this.sent.push({ topic, messages });
  }
  ready(): boolean {
    return this.up;
  }
  on(topic: string): OutRecord[] {
    return this.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  }
}

function accessLog(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    start_time: '2024-05-01T10:00:00.000Z',
    method: 'GET',
    path: '/api/orders/1',
    protocol: 'HTTP/1.1',
    response_code: 200,
    response_flags: '-',
    bytes_received: 0,
    bytes_sent: 512,
    duration: 4,
    upstream_service_time: '3',
    x_forwarded_for: null,
    user_agent: 'curl/8',
    request_id: 'r-1',
    authority: 'orders.shop.svc.cluster.local:8080',
    upstream_host: '10.0.0.9:8080',
    upstream_cluster: 'inbound|8080||',
    downstream_remote_address: '10.0.0.5:43210',
    downstream_local_address: '10.0.0.9:8080',
    requested_server_name: 'outbound_.8080_._.orders.shop.svc.cluster.local',
    route_name: 'default',
    downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/frontend',
    upstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/orders',
    ...over,
  });
}

function setup(
  raw: Record<string, unknown> = {},
  producer = new FakeProducer(),
  probes: Record<string, () => boolean> = {},
) {
  const cfg = resolveConfig(raw);
  const metrics = new Metrics();
  const app = buildApp(cfg, { metrics, logger, producer, probes });
  return { app, producer, metrics, cfg };
}

describe('POST /ingest/envoy', () => {
  it('accepts NDJSON, produces the original lines keyed by source workload, counts them', async () => {
    const { app, producer, metrics } = setup();
    const lines = [
      accessLog(),
      accessLog({ request_id: 'r-2', downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/cart' }),
    ];
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: lines.join('\n') + '\n',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ accepted: 2, rejected: 0, errors: [] });
    const produced = producer.on('mesh.access-logs');
    expect(produced.map((m) => m.value)).toEqual(lines);
    expect(produced.map((m) => m.key)).toEqual([
      'spiffe://cluster.local/ns/shop/sa/frontend',
      'spiffe://cluster.local/ns/shop/sa/cart',
    ]);
    // The events parsed while validating go along (the embedded bus hands them on; Kafka drops them).
    expect(produced.map((m) => m.events?.map((e) => e.src))).toEqual([
      ['spiffe://cluster.local/ns/shop/sa/frontend'],
      ['spiffe://cluster.local/ns/shop/sa/cart'],
    ]);
    expect(await metrics.registry.getSingleMetricAsString('meshguard_events_ingested_total')).toContain(
      'meshguard_events_ingested_total{source="http",format="istio-json"} 2',
    );
  });

  it('accepts a JSON array (Fluent Bit json / Vector json codec) and gzip bodies', async () => {
    const { app, producer } = setup();
    const payload = gzipSync(
      Buffer.from(JSON.stringify([JSON.parse(accessLog()), JSON.parse(accessLog({ request_id: 'x' }))])),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(2);
    expect(producer.on('mesh.access-logs')).toHaveLength(2);
  });

  it('keeps the valid records of a mixed body, sends the bad ones to the DLQ with the reason', async () => {
    const { app, producer, metrics } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: [accessLog(), 'this is not a log line', '{"hello": "world"}'].join('\n'),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toBe(2);
    expect(body.errors.map((e: { index: number }) => e.index)).toEqual([1, 2]);
    expect(body.errors[0].reason).toMatch(/unknown format/);
    const dlq = producer.on('meshguard.dlq').map((m) => JSON.parse(m.value));
    expect(dlq).toHaveLength(2);
    expect(dlq[0]).toMatchObject({ record: 'this is not a log line', source: 'http', endpoint: 'envoy' });
    expect(dlq[0].reason).toMatch(/unknown format/);
    expect(await metrics.registry.getSingleMetricAsString('meshguard_events_rejected_total')).toContain(
      'source="http"',
    );
  });

  it('answers 400 with a clear message when no record is valid, and for an empty body', async () => {
    const { app, producer } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain' },
      payload: 'garbage\nmore garbage',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/no valid records in the body \(2 rejected\)/);
    expect(producer.on('mesh.access-logs')).toHaveLength(0);
    const empty = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toMatch(/empty body/);
  });

  it('415 for a wrong content type or encoding, 413 over the body limit', async () => {
    const { app } = setup({ ingest: { body_limit_bytes: 2048 } });
    const wrongType = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/xml' },
      payload: '<x/>',
    });
    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.json().message).toMatch(/expects Content-Type/);
    const wrongEncoding = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain', 'content-encoding': 'br' },
      payload: accessLog(),
    });
    expect(wrongEncoding.statusCode).toBe(415);
    const tooBig = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain' },
      payload: `${accessLog()}\n`.repeat(10),
    });
    expect(tooBig.statusCode).toBe(413);
    const bomb = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      payload: gzipSync(Buffer.alloc(2048 * 20, 32)),
    });
    expect(bomb.statusCode).toBe(413);
  });

  it('requires the bearer token when one is configured', async () => {
    const { app, producer } = setup({ ingest: { token: 's3cret' } });
    const request = (authorization?: string) =>
      app.inject({
        method: 'POST',
        url: '/ingest/envoy',
        headers: { 'content-type': 'text/plain', ...(authorization ? { authorization } : {}) },
        payload: accessLog(),
      });
    expect((await request()).statusCode).toBe(401);
    expect((await request()).headers['www-authenticate']).toMatch(/Bearer/);
    expect((await request('Bearer wrong')).statusCode).toBe(401);
    expect((await request('Bearer s3cret')).statusCode).toBe(200);
    expect(producer.on('mesh.access-logs')).toHaveLength(1);
    // Health and metrics stay open for probes and Prometheus.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('429 with Retry-After when pending records would exceed ingest.max_pending_events', async () => {
    const producer = new FakeProducer();
    let release!: () => void;
    producer.hold = new Promise((r) => (release = r));
    const { app } = setup({ ingest: { max_pending_events: 3 } }, producer);
    const send = (n: number) =>
      app.inject({
        method: 'POST',
        url: '/ingest/envoy',
        headers: { 'content-type': 'text/plain' },
        payload: Array.from({ length: n }, (_, i) => accessLog({ request_id: `r${i}` })).join('\n'),
      });
    const first = send(2);
    await new Promise((r) => setTimeout(r, 20));
    const second = await send(2);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(200);
  });

  it('503 with Retry-After when the transport is down or fails', async () => {
    const producer = new FakeProducer();
    producer.up = false;
    const { app } = setup({}, producer);
    const down = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain' },
      payload: accessLog(),
    });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    producer.up = true;
    producer.fail = new TransportBusyError('Kafka did not acknowledge within 5000 ms', 2, 'unavailable');
    const slow = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'text/plain' },
      payload: accessLog(),
    });
    expect(slow.statusCode).toBe(503);
    expect(slow.headers['retry-after']).toBe('2');
    expect(slow.json().message).toMatch(/did not acknowledge/);
  });
});

describe('POST /v1/logs (OTLP/JSON)', () => {
  it('splits a request into one record per log record, keyed by each source', async () => {
    const { app, producer } = setup();
    const request = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'k8s.namespace.name', value: { stringValue: 'shop' } }] },
          scopeLogs: [
            {
              scope: { name: 'envoy' },
              logRecords: [
                { timeUnixNano: '1714557600000000000', body: { stringValue: accessLog() } },
                {
                  timeUnixNano: '1714557600000000000',
                  body: {
                    stringValue: accessLog({
                      downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/cart',
                    }),
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/json' },
      payload: request,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(2);
    const produced = producer.on('mesh.access-logs');
    expect(produced.map((m) => m.key)).toEqual([
      'spiffe://cluster.local/ns/shop/sa/frontend',
      'spiffe://cluster.local/ns/shop/sa/cart',
    ]);
    for (const m of produced)
      expect(JSON.parse(m.value).resourceLogs[0].scopeLogs[0].logRecords).toHaveLength(1);
  });

  it('415 for OTLP protobuf, 400 for a body that is not an OTLP request', async () => {
    const { app } = setup();
    const proto = await app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/x-protobuf' },
      payload: Buffer.from([1, 2]),
    });
    expect(proto.statusCode).toBe(415);
    const notOtlp = await app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { 'content-type': 'application/json' },
      payload: { a: 1 },
    });
    expect(notOtlp.statusCode).toBe(400);
    expect(notOtlp.json().message).toMatch(/resourceLogs/);
  });
});

function remoteWriteBody(
  series: Array<{ labels: Record<string, string>; samples: Array<[number, number]> }>,
): Buffer {
  const message = WriteRequest.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([value, timestamp]) => ({ value, timestamp })),
    })),
  });
  return Buffer.from(snappy.compress(WriteRequest.encode(message).finish()));
}

describe('POST /api/v1/write (Prometheus remote_write)', () => {
  it('decodes snappy protobuf and produces prometheus-kafka-adapter JSON samples keyed by source workload', async () => {
    const { app, producer } = setup();
    const payload = remoteWriteBody([
      {
        labels: {
          __name__: 'istio_requests_total',
          source_workload: 'frontend',
          source_workload_namespace: 'shop',
          response_code: '200',
        },
        samples: [
          [42, 1714557600000],
          [45, 1714557615000],
        ],
      },
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(2);
    const produced = producer.on('mesh.metrics');
    expect(produced[0]!.key).toBe('shop/frontend');
    expect(JSON.parse(produced[0]!.value)).toEqual({
      timestamp: '2024-05-01T10:00:00.000Z',
      value: '42',
      name: 'istio_requests_total',
      labels: {
        __name__: 'istio_requests_total',
        source_workload: 'frontend',
        source_workload_namespace: 'shop',
        response_code: '200',
      },
    });
  });

  it('400 for a body that is not snappy, 415 for JSON', async () => {
    const { app } = setup();
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: Buffer.from('definitely not snappy'),
    });
    expect(bad.statusCode).toBe(400);
    const json = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { 'content-type': 'application/json' },
      payload: {},
    });
    expect(json.statusCode).toBe(415);
  });
});

describe('POST /v1/metrics (OTLP/JSON)', () => {
  it('turns sums into samples and rejects non-finite values', async () => {
    const { app, producer } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json' },
      payload: {
        resourceMetrics: [
          {
            resource: { attributes: [] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'istio_requests_total',
                    sum: {
                      dataPoints: [
                        {
                          attributes: [{ key: 'source_workload', value: { stringValue: 'frontend' } }],
                          timeUnixNano: '1714557600000000000',
                          asInt: '7',
                        },
                        { attributes: [], timeUnixNano: '1714557600000000000' },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 1 });
    expect(JSON.parse(producer.on('mesh.metrics')[0]!.value)).toMatchObject({
      name: 'istio_requests_total',
      value: '7',
    });
  });
});

describe('health, readiness, metrics', () => {
  it('/readyz names the dependency that is down', async () => {
    const producer = new FakeProducer();
    let redisUp = true;
    const { app } = setup({}, producer, { redis: () => redisUp });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    redisUp = false;
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ down: ['redis'], checks: { kafka: true, redis: false } });
    producer.up = false;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json().down).toEqual(['kafka', 'redis']);
  });

  it('/metrics serves the Prometheus exposition', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('meshguard_build_info');
  });
});
