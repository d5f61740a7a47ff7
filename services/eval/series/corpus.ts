/**
 * A labeled corpus of synthetic operational series for developing the series detector stack, built
 * the way public benchmarks label real series: one label per anomaly onset, NAB windows around it.
 *
 * Bases are what mesh and infrastructure metrics look like (diurnal request rates with weekends, latency
 * with heavy tails and benign outliers, bounded CPU, bursty batch jobs, sawtooth gauges that reset,
 * small integer error counts, mean-reverting random walks, a heap that grows and is collected at
 * irregular heights, per-replica load that steps whenever an autoscaler adds or removes a replica, a
 * machine temperature sensor read at 0.1 degree resolution, a VM's noisy CPU with benign small steps
 * after deployments); anomalies are what operations see (spikes,
 * dips, level shifts, variance changes, trend changes, a changed daily pattern, a flatline, a slow
 * drift, an outage that drops the series to zero); one base has frequent benign bursts, as real request
 * rates do. Everything is a pure function of the seed. About one series in six has no anomaly at all.
 */
import { Rng, mixSeed } from '../../../pipelines/sources/simulator/prng.js';
import { windowsAround, type Window } from './nab-score.js';
import { BASES, START, makeBase, type Base, type BaseKind, type Gaps } from './corpus-bases.js';

export { BASES, type BaseKind } from './corpus-bases.js';

export const ANOMALIES = [
  'spike',
  'dip',
  'level_shift',
  'variance',
  'trend',
  'seasonal_change',
  'flatline',
  'drift',
  'drop_to_zero',
] as const;
export type AnomalyKind = (typeof ANOMALIES)[number];

export interface LabeledSeries {
  name: string;
  times: number[];
  values: number[];
  /** Rows where each anomaly starts. */
  onsets: number[];
  windows: Window[];
}

interface Injected {
  kind: AnomalyKind;
  at: number;
  /** Rows the anomaly lasts (lasting changes run to the end). */
  rows: number;
  /** Size in units of the base's ordinary noise. */
  size: number;
  sign: 1 | -1;
}

function apply(
  a: Injected,
  base: Base,
  i: number,
  ms: number,
  ordinary: number,
  r: Rng,
  held: number,
): number {
  const since = i - a.at;
  if (since < 0) return ordinary;
  const lasting = a.kind === 'level_shift' || a.kind === 'trend' || a.kind === 'seasonal_change';
  if (!lasting && since >= a.rows) return ordinary;
  const d = a.size * base.noise * a.sign;
  switch (a.kind) {
    case 'spike':
      return ordinary + Math.abs(d);
    case 'dip':
      return Math.max(base.floor, ordinary - Math.abs(d));
    case 'level_shift':
      return ordinary + d;
    case 'variance':
      return ordinary + base.noise * a.size * 0.5 * r.normal();
    case 'trend':
      return ordinary + (d / 48) * since;
    case 'seasonal_change':
      return ordinary - base.daily(ms) + base.daily(ms + 8 * 3_600_000) * 1.5;
    case 'flatline':
      return held;
    case 'drift':
      return ordinary + (d * since) / a.rows;
    case 'drop_to_zero':
      return base.floor;
  }
}

const SIZE: Record<AnomalyKind, [number, number]> = {
  spike: [5, 12],
  dip: [4, 8],
  level_shift: [3, 6],
  variance: [3, 6],
  trend: [3, 6],
  seasonal_change: [1, 1],
  flatline: [1, 1],
  drift: [4, 8],
  drop_to_zero: [1, 1],
};

const ROWS: Record<AnomalyKind, [number, number]> = {
  spike: [1, 3],
  dip: [1, 6],
  level_shift: [1, 1],
  variance: [24, 96],
  trend: [1, 1],
  seasonal_change: [1, 1],
  flatline: [24, 96],
  drift: [72, 288],
  drop_to_zero: [6, 48],
};

/** One labeled series: base kind, anomaly kinds and everything random from the seed. */
export function generateSeries(
  seed: number,
  base: BaseKind,
  anomalies: readonly AnomalyKind[],
): LabeledSeries {
  const r = new Rng(mixSeed(seed, 0x5e7e5));
  const stepMs = r.pick([60_000, 300_000, 300_000, 300_000, 3_600_000]);
  // As long as real metric exports run: from a few days of hourly points to weeks of 5-minute ones.
  const length = r.int(1000, 5500);
  const b = makeBase(base, r, stepMs);
  const probation = Math.min(Math.floor(0.15 * length), 750);
  // Anomalies spread over the scored part, at least one window apart.
  const slots = anomalies.length;
  const injected: Injected[] = anomalies.map((kind, k) => {
    const span = (length - probation - 50) / slots;
    // Anywhere in its slot: real anomalies come in a series' first days as often as in its last.
    const at = Math.floor(probation + 50 + span * k + r.uniform(0.02, 0.9) * span);
    const [lo, hi] = ROWS[kind];
    const [slo, shi] = SIZE[kind];
    return { kind, at, rows: r.int(lo, hi), size: r.uniform(slo, shi), sign: r.chance(0.5) ? 1 : -1 };
  });
  const times: number[] = [];
  const values: number[] = [];
  let held = b.level;
  for (let i = 0; i < length; i++) {
    const ms = START + i * stepMs;
    let v = b.value(i, ms);
    for (const a of injected) {
      if (a.kind === 'flatline' && i === a.at) held = values[i - 1] ?? v;
      v = apply(a, b, i, ms, v, r, held);
    }
    times.push(ms);
    values.push(Math.min(b.ceiling, Math.max(b.floor, Number(v.toFixed(4)))));
  }
  const kept = keptRows(length, b.gaps, r, new Set(injected.map((a) => a.at)));
  const row = new Map(kept.map((i, k) => [i, k]));
  const onsets = injected.map((a) => row.get(a.at)!);
  return {
    name: `${base}${anomalies.length ? '_' + anomalies.join('_') : '_clean'}_${seed}`,
    times: kept.map((i) => times[i]!),
    values: kept.map((i) => values[i]!),
    onsets,
    windows: windowsAround(onsets, kept.length),
  };
}

/** The rows whose readings arrive: all of them unless the base has gaps; an anomaly's onset always does. */
function keptRows(length: number, gaps: Gaps | undefined, r: Rng, onsets: ReadonlySet<number>): number[] {
  const kept: number[] = [];
  let outage = 0;
  for (let i = 0; i < length; i++) {
    if (gaps !== undefined) {
      if (outage === 0 && r.chance(gaps.outage)) outage = r.int(...gaps.outageRows);
      const lost = outage > 0 || r.chance(gaps.single);
      if (outage > 0) outage--;
      if (lost && !onsets.has(i)) continue;
    }
    kept.push(i);
  }
  return kept;
}

/**
 * The development corpus: every base with every anomaly kind once (alone), a pair of anomalies per
 * base, and a clean series per base. Deterministic for a given seed.
 */
export function developmentCorpus(seed = 1): LabeledSeries[] {
  const out: LabeledSeries[] = [];
  let n = 0;
  for (const base of BASES) {
    for (const kind of ANOMALIES) {
      if (!applicable(base, kind)) continue;
      out.push(generateSeries(mixSeed(seed, ++n), base, [kind]));
    }
    const r = new Rng(mixSeed(seed, 77, n));
    const pair = [r.pick(ANOMALIES), r.pick(ANOMALIES)].filter((k) => applicable(base, k));
    out.push(generateSeries(mixSeed(seed, ++n), base, pair));
    out.push(generateSeries(mixSeed(seed, ++n), base, []));
  }
  return out;
}

/** A seasonal change needs a season; zero is ordinary for an error count; the rest fit every base. */
function applicable(base: BaseKind, kind: AnomalyKind): boolean {
  if (kind === 'seasonal_change')
    return (
      base === 'diurnal_rate' ||
      base === 'cpu' ||
      base === 'latency' ||
      base === 'spiky_rate' ||
      base === 'autoscaled' ||
      base === 'sensor_temperature' ||
      base === 'tweet_volume' ||
      base === 'traffic_sensor'
    );
  if (kind === 'drop_to_zero') return base !== 'error_count';
  return true;
}
