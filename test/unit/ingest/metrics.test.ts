/** The metrics endpoints through buildApp() + app.inject(): what Prometheus and an OTLP exporter see. */
import { describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { WriteRequest } from '../../../pipelines/metrics/remote-write/remote-write.js';
import { setup } from './fixtures.js';

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

/** What Prometheus sends: a snappy-compressed remote_write body with its protocol headers. */
function postRemoteWrite(app: ReturnType<typeof setup>['app'], payload: Buffer) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/write',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    payload,
  });
}

describe('POST /api/v1/write (Prometheus remote_write)', () => {
  it('keys Linkerd and Consul series by their source, like Istio ones', async () => {
    const { app, producer } = setup();
    const payload = remoteWriteBody([
      {
        labels: {
          __name__: 'response_total',
          direction: 'inbound',
          tls: 'true',
          client_id: 'web.shop.serviceaccount.identity.linkerd.cluster.local',
          namespace: 'shop',
          deployment: 'orders',
          status_code: '200',
          classification: 'success',
        },
        samples: [[10, 1714557600000]],
      },
      {
        labels: {
          __name__: 'envoy_cluster_upstream_rq_total',
          consul_source_service: 'a',
          consul_source_namespace: 'default',
          consul_destination_service: 'b',
          consul_destination_namespace: 'default',
        },
        samples: [[7, 1714557600000]],
      },
    ]);
    const res = await postRemoteWrite(app, payload);
    expect(res.statusCode).toBe(200);
    expect(producer.on('mesh.metrics').map((r) => r.key)).toEqual([
      'web.shop.serviceaccount.identity.linkerd.cluster.local',
      'default/a',
    ]);
  });

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
    const res = await postRemoteWrite(app, payload);
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
