import { describe, expect, it } from 'vitest';
import { MetricSeriesScorer, type MetricSample } from '../../../pipelines/metrics/index.js';

const STEP_S = 30;
const T0 = Date.UTC(2024, 2, 4);
const principal = 'spiffe://cluster.local/ns/shop/sa/reports';
const labels = {
  source_principal: principal,
  source_workload: 'reports',
  source_workload_namespace: 'shop',
  destination_service: 'db.shop.svc.cluster.local',
  destination_workload: 'db',
};

/** A cumulative byte counter growing ~1 MB/s with jitter; from `burstAt` on, 40 MB/s (exfiltration). */
function counter(n: number, burstAt = Infinity): MetricSample[] {
  let total = 0;
  let seed = 11;
  const out: MetricSample[] = [];
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const rate = i >= burstAt ? 40e6 : 1e6 * (1 + 0.2 * (seed / 2 ** 32 - 0.5));
    total += rate * STEP_S;
    out.push({ name: 'istio_tcp_sent_bytes_total', labels, timeMs: T0 + i * STEP_S * 1000, value: total });
  }
  return out;
}

describe('MetricSeriesScorer', () => {
  it('raises one anomaly finding on the source principal when a counter rate jumps', () => {
    const scorer = new MetricSeriesScorer();
    const findings = scorer.pushAll(counter(600, 500));
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ detector: 'metric_series', kind: 'anomaly', entity: principal });
    expect(f.score).toBeGreaterThanOrEqual(0.9);
    expect(f.timeMs).toBeGreaterThanOrEqual(T0 + 500 * STEP_S * 1000);
    expect(f.timeMs).toBeLessThanOrEqual(T0 + 503 * STEP_S * 1000);
    expect(f.firstEventMs).toBeLessThanOrEqual(f.timeMs);
    expect(f.evidence).toMatchObject({ metric: 'istio_tcp_sent_bytes_total:rate', unit: 'per_second' });
    expect(f.evidence.series).toContain('istio_tcp_sent_bytes_total:rate{');
    expect(f.evidence.observed as number).toBeGreaterThan(30e6);
    expect(f.evidence.baseline as number).toBeLessThan(2e6);
  });

  it('stays silent on ordinary traffic', () => {
    const scorer = new MetricSeriesScorer();
    expect(scorer.pushAll(counter(1500))).toEqual([]);
    expect(scorer.stats).toMatchObject({ samples: 1500, scored: 1499, skipped: 1, series: 1, findings: 0 });
  });

  it('falls back to namespace/workload when there is no principal (plaintext callers)', () => {
    const scorer = new MetricSeriesScorer();
    const noPrincipal = counter(600, 500).map((s) => ({
      ...s,
      labels: { ...s.labels, source_principal: 'unknown' },
    }));
    expect(scorer.pushAll(noPrincipal)[0]?.entity).toBe('shop/reports');
  });

  it('bounds the number of series with LRU eviction', () => {
    const scorer = new MetricSeriesScorer({ config: { max_series: 10 } });
    for (let i = 0; i < 50; i++)
      scorer.push({ name: 'cpu_usage', labels: { pod: `p${i}` }, timeMs: T0, value: 1 });
    expect(scorer.stats.series).toBe(10);
    expect(scorer.stats.evicted).toBe(40);
  });

  it('counts invalid samples instead of throwing', () => {
    const scorer = new MetricSeriesScorer();
    expect(scorer.push({ name: '', labels: {}, timeMs: 0, value: 1 })).toEqual([]);
    expect(scorer.push({ name: 'x', labels: {}, timeMs: NaN, value: 1 })).toEqual([]);
    expect(scorer.push(null as unknown as MetricSample)).toEqual([]);
    expect(scorer.stats.rejected).toBe(3);
  });
});
