import { describe, expect, it } from 'vitest';
import { adapterMessage, kafkaAdapterParser, parseAdapterSample } from '../../../pipelines/metrics/index.js';
import { collect } from './collect.js';

describe('prometheus-kafka-adapter JSON', () => {
  const labels = {
    __name__: 'istio_tcp_sent_bytes_total',
    source_workload: 'db-client',
    destination_service: 'db.shop.svc.cluster.local',
  };

  it('parses the adapter JSON message, labels as sent', () => {
    const msg = JSON.stringify({
      timestamp: '2024-03-04T10:00:00Z',
      value: '9876543210',
      name: labels.__name__,
      labels,
    });
    expect(collect(kafkaAdapterParser, msg)).toEqual([
      {
        ok: true,
        sample: {
          name: 'istio_tcp_sent_bytes_total',
          labels,
          timeMs: Date.UTC(2024, 2, 4, 10),
          value: 9876543210,
        },
      },
    ]);
  });

  it('takes the name from __name__ and numbers as they are', () => {
    expect(
      parseAdapterSample(
        JSON.stringify({ timestamp: 1_710_000_000_000, value: 1, labels: { __name__: 'up' } }),
      ),
    ).toEqual({
      ok: true,
      sample: { name: 'up', labels: { __name__: 'up' }, timeMs: 1_710_000_000_000, value: 1 },
    });
  });

  it('writes what it reads (ingest produces samples with adapterMessage)', () => {
    const sample = {
      name: 'up',
      labels: { __name__: 'up', job: 'istiod' },
      timeMs: 1_710_000_000_123,
      value: 0.5,
    };
    expect(JSON.parse(adapterMessage(sample))).toEqual({
      timestamp: '2024-03-09T16:00:00.123Z',
      value: '0.5',
      name: 'up',
      labels: sample.labels,
    });
    expect(parseAdapterSample(adapterMessage(sample))).toEqual({ ok: true, sample });
    // A time with no ISO form is kept as the number (such a sample is only dead-lettered).
    expect(JSON.parse(adapterMessage({ ...sample, timeMs: 1e16 })).timestamp).toBe('10000000000000000');
  });

  it.each([
    ['not json', /^not JSON: /],
    ['42', 'not a JSON object'],
    [JSON.stringify([{ name: 'up', value: 1, timestamp: 1 }]), 'not a JSON object'],
    [JSON.stringify({ __name__: 'up', __value__: 1, __timestamp__: 1_710_000_000 }), 'sample has no name'],
    [JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: '1', labels: {} }), 'sample has no name'],
    [
      JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: 'NaN', name: 'up' }),
      'up: value is not a finite number',
    ],
    [
      JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: 'lots', name: 'up' }),
      'up: value is not a finite number',
    ],
    [
      JSON.stringify({ timestamp: '2024-03-04T10:00:00Z', value: '', name: 'up' }),
      'up: value is not a finite number',
    ],
    [JSON.stringify({ timestamp: 'yesterday', value: '1', name: 'up' }), 'up: missing or invalid timestamp'],
    [JSON.stringify({ value: '1', name: 'up' }), 'up: missing or invalid timestamp'],
  ])('rejects %s with a reason', (input, reason) => {
    const r = parseAdapterSample(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
