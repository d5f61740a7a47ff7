/**
 * Istio standard metrics → per-interval rates. Istio exports counters (istio_requests_total,
 * istio_tcp_sent_bytes_total, istio_tcp_received_bytes_total, connections opened/closed) and histograms
 * (istio_request_bytes, istio_response_bytes, istio_request_duration_milliseconds, as _bucket/_sum/_count).
 * A cumulative counter says nothing by its level, only by how fast it grows, so counters become
 * per-second rates between consecutive samples of the same series, Prometheus-style: a value below the
 * previous one is a reset (pod restart) and the increase is the new value itself. Histograms give a
 * rate of `_count` and `_sum` and, when both move in the same interval, the interval's mean
 * (`<name>:mean`: mean request size, mean latency). Buckets are dropped: too many series for what they add.
 */
import { meshEdge, meshSourceEntity, type MetricEdge } from './meshes.js';
import { seriesKey, type MetricSample } from './sample.js';

export const ISTIO_COUNTERS: ReadonlySet<string> = new Set([
  'istio_requests_total',
  'istio_tcp_sent_bytes_total',
  'istio_tcp_received_bytes_total',
  'istio_tcp_connections_opened_total',
  'istio_tcp_connections_closed_total',
]);
export const ISTIO_HISTOGRAMS: ReadonlySet<string> = new Set([
  'istio_request_bytes',
  'istio_response_bytes',
  'istio_request_duration_milliseconds',
]);
/** How a sample accumulates: its own `kind`, else by name. */
export function sampleKind(s: MetricSample): 'counter' | 'delta' | 'gauge' | 'bucket' {
  if (s.name.endsWith('_bucket')) return 'bucket';
  if (s.kind) return s.kind;
  if (ISTIO_COUNTERS.has(s.name) || /_(total|count|sum)$/.test(s.name)) return 'counter';
  return 'gauge';
}

interface Last {
  timeMs: number;
  value: number;
}

/**
 * Turns counter samples into per-second rates (and histogram _sum/_count pairs into means), keeping
 * the previous sample per series in a bounded LRU map.
 */
export class CounterRates {
  private readonly last = new Map<string, Last>();
  /** Per histogram series: the latest interval's increase of _count and _sum, to pair them. */
  private readonly pending = new Map<string, { timeMs: number; count?: number; sum?: number }>();
  resets = 0;

  constructor(private readonly maxSeries = 50_000) {}

  get size(): number {
    return this.last.size;
  }

  /**
   * The derived samples for one input sample: none on the first sample of a series, out-of-order or
   * duplicate samples; a `<name>:rate` sample (per second) otherwise, plus `<base>:mean` for histograms.
   */
  convert(s: MetricSample): MetricSample[] {
    const kind = sampleKind(s);
    if (kind === 'bucket') return [];
    if (kind === 'gauge') return [s];
    const key = seriesKey(s.name, s.labels);
    let increase: number;
    let intervalMs: number;
    if (kind === 'delta') {
      const prev = this.remember(key, s);
      if (!prev) return [{ name: `${s.name}:increase`, labels: s.labels, timeMs: s.timeMs, value: s.value }];
      increase = s.value;
      intervalMs = s.timeMs - prev.timeMs;
    } else {
      const prev = this.remember(key, s);
      if (!prev) return [];
      intervalMs = s.timeMs - prev.timeMs;
      if (s.value < prev.value) {
        this.resets++;
        increase = s.value;
      } else increase = s.value - prev.value;
    }
    if (!(intervalMs > 0)) return [];
    const out: MetricSample[] = [
      { name: `${s.name}:rate`, labels: s.labels, timeMs: s.timeMs, value: (increase * 1000) / intervalMs },
    ];
    const mean = this.pairHistogram(s, increase);
    if (mean) out.push(mean);
    return out;
  }

  /** Store s as the series' latest sample; returns the previous one, or undefined (first, stale or duplicate). */
  private remember(key: string, s: MetricSample): Last | undefined {
    const prev = this.last.get(key);
    if (prev && s.timeMs <= prev.timeMs) return undefined;
    this.last.delete(key);
    this.last.set(key, { timeMs: s.timeMs, value: s.value });
    if (this.last.size > this.maxSeries) this.last.delete(this.last.keys().next().value!);
    return prev;
  }

  private pairHistogram(s: MetricSample, increase: number): MetricSample | undefined {
    const m = /^(.*)_(count|sum)$/.exec(s.name);
    if (!m || !(ISTIO_HISTOGRAMS.has(m[1]!) || s.kind !== undefined)) return undefined;
    const base = m[1]!;
    const key = seriesKey(base, s.labels);
    let p = this.pending.get(key);
    if (!p || p.timeMs !== s.timeMs) {
      p = { timeMs: s.timeMs };
      this.pending.delete(key);
      this.pending.set(key, p);
      if (this.pending.size > this.maxSeries) this.pending.delete(this.pending.keys().next().value!);
    }
    if (m[2] === 'count') p.count = increase;
    else p.sum = increase;
    if (p.count === undefined || p.sum === undefined) return undefined;
    this.pending.delete(key);
    // No requests in the interval: there is no mean to judge.
    if (!(p.count > 0)) return undefined;
    return { name: `${base}:mean`, labels: s.labels, timeMs: s.timeMs, value: p.sum / p.count };
  }
}

/**
 * The offender key of a metric series: the source principal, else `namespace/workload` of the source;
 * for Linkerd's and Consul's proxy metrics, their own source labels (meshes.ts).
 */
export function sourceEntity(labels: Record<string, string>): string | undefined {
  const known = (v: string | undefined): v is string => !!v && v !== 'unknown';
  if (known(labels.source_principal)) return labels.source_principal;
  if (known(labels.source_workload))
    return known(labels.source_workload_namespace)
      ? `${labels.source_workload_namespace}/${labels.source_workload}`
      : labels.source_workload;
  return meshSourceEntity(labels);
}

/**
 * Both ends of the traffic a series counts: Istio's source and destination labels (the destination
 * workload, else the destination service, which names a host outside the mesh), else the other
 * meshes' (meshes.ts). A finding names the edge, so an anomaly says who talked to whom, not only who.
 */
export function metricEdge(labels: Record<string, string>): MetricEdge {
  const known = (v: string | undefined): v is string => !!v && v !== 'unknown';
  if (!known(labels.source_principal) && !known(labels.source_workload)) return meshEdge(labels);
  const edge: MetricEdge = { source: sourceEntity(labels)! };
  if (known(labels.destination_workload))
    edge.destination = known(labels.destination_workload_namespace)
      ? `${labels.destination_workload_namespace}/${labels.destination_workload}`
      : labels.destination_workload;
  else if (known(labels.destination_service)) edge.destination = labels.destination_service;
  return edge;
}
