import { describe, expect, it } from 'vitest';
import { parseKafkaAdapterMessage } from '../../../pipelines/metrics/index.js';

describe('prometheus-kafka-adapter JSON', () => {
  it('parses the adapter JSON message', () => {
    const msg = JSON.stringify({
      timestamp: '2024-03-04T10:00:00Z',
      value: '9876543210',
      name: 'istio_tcp_sent_bytes_total',
      labels: {
        __name__: 'istio_tcp_sent_bytes_total',
        source_workload: 'db-client',
        destination_service: 'db.shop.svc.cluster.local',
      },
    });
    expect(parseKafkaAdapterMessage(msg)).toEqual({
      ok: true,
      samples: [
        {
          name: 'istio_tcp_sent_bytes_total',
          labels: { source_workload: 'db-client', destination_service: 'db.shop.svc.cluster.local' },
          timeMs: Date.UTC(2024, 2, 4, 10),
          value: 9876543210,
        },
      ],
    });
  });

  it('accepts the older flat format and arrays of messages', () => {
    const flat = { __name__: 'up', __value__: 1, __timestamp__: 1_710_000_000, job: 'istiod' };
    const r = parseKafkaAdapterMessage(JSON.stringify([flat, flat]));
    expect(r).toEqual({
      ok: true,
      samples: [
        expect.objectContaining({
          name: 'up',
          labels: { job: 'istiod' },
          timeMs: 1_710_000_000_000,
          value: 1,
        }),
      ].concat([expect.anything()]),
    });
  });

  it('keeps NaN staleness markers out without rejecting the message', () => {
    const r = parseKafkaAdapterMessage(
      JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: 'NaN', name: 'up', labels: {} }),
    );
    expect(r).toEqual({ ok: true, samples: [] });
  });

  it.each([
    ['not json', 'not JSON'],
    ['42', 'expected a JSON object'],
    [JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: '1', labels: {} }), 'missing metric "name"'],
    [JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: 'lots', name: 'up' }), 'unparsable "value"'],
    [JSON.stringify({ timestamp: 'yesterday', value: '1', name: 'up' }), 'unparsable "timestamp"'],
    [JSON.stringify({ timestamp: '2024-03-04T10:00:00', value: '1', name: 'up' }), 'unparsable "timestamp"'],
    [
      JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: '1', name: 'up', labels: [] }),
      '"labels" must be an object',
    ],
  ])('rejects %s with a reason', (input, reason) => {
    const r = parseKafkaAdapterMessage(input);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});
