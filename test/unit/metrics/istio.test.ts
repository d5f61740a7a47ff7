import { describe, expect, it } from 'vitest';
import {
  CounterRates,
  sampleKind,
  sourceEntity,
  type MetricSample,
} from '../../../pipelines/metrics/index.js';

const labels = {
  source_workload: 'frontend',
  source_workload_namespace: 'shop',
  destination_service: 'cart.shop.svc.cluster.local',
};
const s = (name: string, t: number, value: number, extra: Partial<MetricSample> = {}): MetricSample => ({
  name,
  labels,
  timeMs: t * 1000,
  value,
  ...extra,
});

describe('Istio counters to rates', () => {
  it('turns a counter into per-second rates and treats a drop as a reset', () => {
    const r = new CounterRates();
    expect(r.convert(s('istio_requests_total', 0, 100))).toEqual([]);
    expect(r.convert(s('istio_requests_total', 15, 250))).toEqual([s('istio_requests_total:rate', 15, 10)]);
    // The pod restarted: the counter starts again from 0, so 30 requests happened in the interval.
    expect(r.convert(s('istio_requests_total', 30, 30))).toEqual([s('istio_requests_total:rate', 30, 2)]);
    expect(r.resets).toBe(1);
    // Duplicates and late samples give nothing instead of a negative or infinite rate.
    expect(r.convert(s('istio_requests_total', 30, 40))).toEqual([]);
    expect(r.convert(s('istio_requests_total', 20, 40))).toEqual([]);
  });

  it('keeps series apart by labels', () => {
    const r = new CounterRates();
    r.convert(s('istio_tcp_sent_bytes_total', 0, 0));
    r.convert({ ...s('istio_tcp_sent_bytes_total', 0, 0), labels: { source_workload: 'other' } });
    expect(r.convert(s('istio_tcp_sent_bytes_total', 10, 1000))[0]!.value).toBe(100);
    expect(r.size).toBe(2);
  });

  it('derives the interval mean of a histogram from _sum and _count, and drops buckets', () => {
    const r = new CounterRates();
    r.convert(s('istio_request_duration_milliseconds_count', 0, 10));
    r.convert(s('istio_request_duration_milliseconds_sum', 0, 500));
    expect(r.convert(s('istio_request_duration_milliseconds_bucket', 10, 3))).toEqual([]);
    expect(r.convert(s('istio_request_duration_milliseconds_count', 10, 30))).toEqual([
      s('istio_request_duration_milliseconds_count:rate', 10, 2),
    ]);
    expect(r.convert(s('istio_request_duration_milliseconds_sum', 10, 2500))).toEqual([
      s('istio_request_duration_milliseconds_sum:rate', 10, 200),
      s('istio_request_duration_milliseconds:mean', 10, 100),
    ]);
  });

  it('passes gauges through and scores OTLP delta sums per interval', () => {
    const r = new CounterRates();
    const g = s('queue_depth', 0, 4);
    expect(r.convert(g)).toEqual([g]);
    expect(r.convert(s('bytes', 0, 50, { kind: 'delta' }))[0]!.name).toBe('bytes:increase');
    expect(r.convert(s('bytes', 10, 50, { kind: 'delta' }))).toEqual([s('bytes:rate', 10, 5)]);
  });

  it('classifies samples and names the source as the offender', () => {
    expect(sampleKind(s('istio_requests_total', 0, 1))).toBe('counter');
    expect(sampleKind(s('istio_request_bytes_bucket', 0, 1))).toBe('bucket');
    expect(sampleKind(s('memory_bytes', 0, 1))).toBe('gauge');
    expect(sourceEntity(labels)).toBe('shop/frontend');
    expect(sourceEntity({ ...labels, source_principal: 'spiffe://cluster.local/ns/shop/sa/frontend' })).toBe(
      'spiffe://cluster.local/ns/shop/sa/frontend',
    );
    expect(sourceEntity({ source_workload: 'unknown', source_principal: 'unknown' })).toBeUndefined();
  });
});
