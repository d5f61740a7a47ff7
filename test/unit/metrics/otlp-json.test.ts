import { describe, expect, it } from 'vitest';
import { parseOtlpMetrics } from '../../../pipelines/metrics/index.js';

const T = '1710000000123456789';
const request = {
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'k8s.namespace.name', value: { stringValue: 'shop' } }] },
      scopeMetrics: [
        {
          scope: { name: 'istio' },
          metrics: [
            {
              name: 'istio_requests_total',
              sum: {
                aggregationTemporality: 2,
                isMonotonic: true,
                dataPoints: [
                  {
                    attributes: [{ key: 'source_workload', value: { stringValue: 'frontend' } }],
                    timeUnixNano: T,
                    asInt: '42',
                  },
                ],
              },
            },
            { name: 'queue_depth', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 3.5 }] } },
            {
              name: 'bytes_delta',
              sum: {
                aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                isMonotonic: true,
                dataPoints: [{ timeUnixNano: T, asInt: 7 }],
              },
            },
            {
              name: 'istio_request_duration_milliseconds',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  { timeUnixNano: T, count: '10', sum: 250, bucketCounts: ['4', '6'], explicitBounds: [10] },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP/JSON metrics', () => {
  it('turns sums, gauges and histograms into samples with resource + point labels', () => {
    const r = parseOtlpMetrics(JSON.stringify(request));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rejected).toBe(0);
    const ms = 1_710_000_000_123;
    expect(r.samples).toEqual([
      {
        name: 'istio_requests_total',
        labels: { 'k8s.namespace.name': 'shop', source_workload: 'frontend' },
        timeMs: ms,
        value: 42,
        kind: 'counter',
      },
      {
        name: 'queue_depth',
        labels: { 'k8s.namespace.name': 'shop' },
        timeMs: ms,
        value: 3.5,
        kind: 'gauge',
      },
      { name: 'bytes_delta', labels: { 'k8s.namespace.name': 'shop' }, timeMs: ms, value: 7, kind: 'delta' },
      {
        name: 'istio_request_duration_milliseconds_count',
        labels: { 'k8s.namespace.name': 'shop' },
        timeMs: ms,
        value: 10,
        kind: 'counter',
      },
      {
        name: 'istio_request_duration_milliseconds_sum',
        labels: { 'k8s.namespace.name': 'shop' },
        timeMs: ms,
        value: 250,
        kind: 'counter',
      },
    ]);
  });

  it('counts a broken data point without losing its valid neighbours', () => {
    const doc = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'g',
                  gauge: {
                    dataPoints: [
                      { timeUnixNano: 'soon', asDouble: 1 },
                      { timeUnixNano: T, asDouble: 2 },
                      { timeUnixNano: T },
                    ],
                  },
                },
                { gauge: { dataPoints: [] } },
              ],
            },
          ],
        },
      ],
    };
    const r = parseOtlpMetrics(doc);
    expect(r.ok && r.samples.map((s) => s.value)).toEqual([2]);
    expect(r.ok && r.rejected).toBe(3);
    expect(r.ok && r.reasons[0]).toContain('timeUnixNano');
  });

  it.each([
    ['{', 'not JSON'],
    ['[]', 'expected an ExportMetricsServiceRequest object'],
    ['{"resourceLogs":[]}', 'missing "resourceMetrics" array'],
  ])('rejects %s with a reason, never a throw', (input, reason) => {
    expect(parseOtlpMetrics(input)).toEqual({ ok: false, reason });
  });
});
