import { describe, expect, it } from 'vitest';
import { WriteRequest, remoteWriteParser } from '../../../pipelines/metrics/index.js';
import { collect } from './collect.js';

interface Series {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number }>;
}
const body = (timeseries: Series[]): Uint8Array =>
  WriteRequest.encode(WriteRequest.fromObject({ timeseries })).finish();
const labels = { __name__: 'istio_requests_total', source_workload: 'frontend', response_code: '200' };
const requests: Series = {
  labels: Object.entries(labels).map(([name, value]) => ({ name, value })),
  samples: [
    { value: 42, timestamp: 1_710_000_000_123 },
    { value: 57, timestamp: 1_710_000_015_123 },
  ],
};

describe('Prometheus remote_write', () => {
  it('decodes every sample of every series, keeping int64 millisecond timestamps exact and __name__', () => {
    const up: Series = {
      labels: [{ name: '__name__', value: 'up' }],
      samples: [{ value: 1, timestamp: 1_710_000_000_000 }],
    };
    expect(collect(remoteWriteParser, body([requests, up]))).toEqual([
      { ok: true, sample: { name: 'istio_requests_total', labels, timeMs: 1_710_000_000_123, value: 42 } },
      { ok: true, sample: { name: 'istio_requests_total', labels, timeMs: 1_710_000_015_123, value: 57 } },
      { ok: true, sample: { name: 'up', labels: { __name__: 'up' }, timeMs: 1_710_000_000_000, value: 1 } },
    ]);
  });

  it('decodes a body built byte by byte from the wire format (not only protobufjs encoding)', () => {
    // WriteRequest{timeseries:[{labels:[{__name__:"up"}], samples:[{value:1.5, timestamp:1000}]}]}
    const label = [0x0a, 0x08, 0x5f, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x5f, 0x5f, 0x12, 0x02, 0x75, 0x70];
    const double = [...new Uint8Array(new Float64Array([1.5]).buffer)];
    const sample = [0x09, ...double, 0x10, 0xe8, 0x07];
    const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample];
    expect(collect(remoteWriteParser, new Uint8Array([0x0a, ts.length, ...ts]))).toEqual([
      { ok: true, sample: { name: 'up', labels: { __name__: 'up' }, timeMs: 1000, value: 1.5 } },
    ]);
  });

  it('rejects a body that is not a WriteRequest with one reason, never a throw', () => {
    for (const bad of [new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), body([requests]).slice(0, 10)]) {
      const results = collect(remoteWriteParser, bad);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^body is not a remote_write WriteRequest: /),
      });
      expect(results[0]!.sample).toBeUndefined();
    }
    expect(collect(remoteWriteParser, new Uint8Array())).toEqual([]);
  });

  it('rejects stale markers (NaN), series without a name and missing times, each with its sample', () => {
    const results = collect(
      remoteWriteParser,
      body([
        {
          labels: [{ name: '__name__', value: 'up' }],
          samples: [
            { value: NaN, timestamp: 1 },
            { value: 1, timestamp: 0 },
          ],
        },
        { labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: 1 }] },
      ]),
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.reason))).toEqual([
      'up: value is not a finite number',
      'up: missing or invalid timestamp',
      'sample has no metric name (__name__ label)',
    ]);
    expect(results.every((r) => r.sample !== undefined)).toBe(true);
  });
});
