import { describe, expect, it } from 'vitest';
import snappy from 'snappyjs';
import { decodeRemoteWrite, encodeRemoteWrite, type MetricSample } from '../../../pipelines/metrics/index.js';

const samples: MetricSample[] = [
  {
    name: 'istio_requests_total',
    labels: { source_workload: 'frontend', response_code: '200' },
    timeMs: 1_710_000_000_123,
    value: 42,
  },
  {
    name: 'istio_requests_total',
    labels: { source_workload: 'frontend', response_code: '200' },
    timeMs: 1_710_000_015_123,
    value: 57,
  },
  { name: 'up', labels: {}, timeMs: 1_710_000_000_000, value: 1 },
];

describe('Prometheus remote_write', () => {
  it('round-trips samples through snappy + protobuf, keeping int64 millisecond timestamps exact', () => {
    const decoded = decodeRemoteWrite(encodeRemoteWrite(samples));
    expect(decoded).toEqual({ samples });
  });

  it('decodes a body built byte by byte from the wire format (not only its own encoder)', () => {
    // WriteRequest{timeseries:[{labels:[{__name__:"up"}], samples:[{value:1.5, timestamp:1000}]}]}
    const label = [0x0a, 0x08, 0x5f, 0x5f, 0x6e, 0x61, 0x6d, 0x65, 0x5f, 0x5f, 0x12, 0x02, 0x75, 0x70];
    const double = [...new Uint8Array(new Float64Array([1.5]).buffer)];
    const sample = [0x09, ...double, 0x10, 0xe8, 0x07];
    const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample];
    const body = snappy.compress(new Uint8Array([0x0a, ts.length, ...ts]));
    expect(decodeRemoteWrite(body)).toEqual({
      samples: [{ name: 'up', labels: {}, timeMs: 1000, value: 1.5 }],
    });
  });

  it('returns an error, never throws, for broken snappy, broken protobuf and empty bodies', () => {
    const notSnappy = decodeRemoteWrite(new TextEncoder().encode('{"hello":"world"}'));
    expect(notSnappy).toHaveProperty('error');
    const notProto = decodeRemoteWrite(snappy.compress(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])));
    expect('error' in notProto && notProto.error).toMatch(/not a protobuf WriteRequest/);
    expect(decodeRemoteWrite(new Uint8Array())).toEqual({ error: 'empty remote_write body' });
    const truncated = encodeRemoteWrite(samples).slice(0, 10);
    expect(decodeRemoteWrite(truncated)).toHaveProperty('error');
  });

  it('drops stale markers (NaN) and series without a name', () => {
    const body = encodeRemoteWrite([{ name: 'up', labels: {}, timeMs: 1, value: NaN }, ...samples.slice(2)]);
    expect(decodeRemoteWrite(body)).toEqual({ samples: samples.slice(2) });
  });
});
