/** The ingest API through buildApp() + app.inject(): what a log shipper sees (metrics: metrics.test.ts). */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TransportBusyError } from '../../../pipelines/sources/bus/types.js';
import { RecordingProducer } from '../../helpers/recording-producer.js';
import { accessLog, setup } from './fixtures.js';

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
      headers: { 'content-type': 'application/x-ndjson' },
      payload: 'garbage\nmore garbage',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/no valid records in the body \(2 rejected\)/);
    expect(producer.on('mesh.access-logs')).toHaveLength(0);
    const empty = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
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
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'br' },
      payload: accessLog(),
    });
    expect(wrongEncoding.statusCode).toBe(415);
    const tooBig = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `${accessLog()}\n`.repeat(10),
    });
    expect(tooBig.statusCode).toBe(413);
    const bomb = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
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
    const producer = new RecordingProducer();
    let release!: () => void;
    producer.hold = new Promise((r) => (release = r));
    const { app } = setup({ ingest: { max_pending_events: 3 } }, producer);
    const send = (n: number) =>
      app.inject({
        method: 'POST',
        url: '/ingest/envoy',
        headers: { 'content-type': 'application/x-ndjson' },
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
    const producer = new RecordingProducer();
    producer.up = false;
    const { app } = setup({}, producer);
    const down = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: accessLog(),
    });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    producer.up = true;
    producer.fail = new TransportBusyError('Kafka did not acknowledge within 5000 ms', 2, 'unavailable');
    const slow = await app.inject({
      method: 'POST',
      url: '/ingest/envoy',
      headers: { 'content-type': 'application/x-ndjson' },
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

describe('health, readiness, metrics', () => {
  it('/readyz names the dependency that is down', async () => {
    const producer = new RecordingProducer();
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
