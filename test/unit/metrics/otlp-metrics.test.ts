import { describe, expect, it } from 'vitest';
import { otlpMetricsParser } from '../../../pipelines/metrics/index.js';
import { collect } from './collect.js';

const T = '1710000000123456789';
const ms = 1_710_000_000_123;
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
  it('turns sums, gauges and histograms into samples with resource + point labels and __name__', () => {
    const ns = { k8s_namespace_name: 'shop' };
    const hist = 'istio_request_duration_milliseconds';
    expect(collect(otlpMetricsParser, request)).toEqual([
      {
        ok: true,
        sample: {
          name: 'istio_requests_total',
          labels: { ...ns, source_workload: 'frontend', __name__: 'istio_requests_total' },
          timeMs: ms,
          value: 42,
        },
      },
      {
        ok: true,
        sample: { name: 'queue_depth', labels: { ...ns, __name__: 'queue_depth' }, timeMs: ms, value: 3.5 },
      },
      {
        ok: true,
        sample: { name: 'bytes_delta', labels: { ...ns, __name__: 'bytes_delta' }, timeMs: ms, value: 7 },
      },
      {
        ok: true,
        sample: {
          name: `${hist}_count`,
          labels: { ...ns, __name__: `${hist}_count` },
          timeMs: ms,
          value: 10,
        },
      },
      {
        ok: true,
        sample: { name: `${hist}_sum`, labels: { ...ns, __name__: `${hist}_sum` }, timeMs: ms, value: 250 },
      },
    ]);
  });

  it('rejects a broken data point or node without losing its valid neighbours', () => {
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
                      null,
                    ],
                  },
                },
                { gauge: { dataPoints: [] } },
                { name: 'h', summary: { dataPoints: [] } },
                null,
              ],
            },
          ],
        },
        'x',
      ],
    };
    const results = collect(otlpMetricsParser, doc);
    expect(results.filter((r) => r.ok).map((r) => r.sample!.value)).toEqual([2]);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual([
      'g: missing or invalid timestamp',
      'g: value is not a finite number',
      'metric "g": a data point is not an object',
      'metric "h": only sum, gauge and histogram are supported',
      'metrics: an entry is not an object',
      'resourceMetrics: an entry is not an object',
    ]);
  });

  it.each([[[]], [{ resourceLogs: [] }], [null], ['text']])(
    'rejects %j as a whole with a reason, never a throw',
    (input) => {
      expect(collect(otlpMetricsParser, input)).toEqual([
        { ok: false, reason: 'body has no resourceMetrics (OTLP ExportMetricsServiceRequest expected)' },
      ]);
    },
  );
});
