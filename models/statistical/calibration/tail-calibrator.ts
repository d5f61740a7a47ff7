/**
 * Turns a detector's raw score into a tail probability against that detector's own recent history, then
 * into a score in [0,1] that stays at 0 for ordinary values.
 *
 * Why: raw scores of different detectors (a z-score, a CUSUM sum, a variance ratio) live on different
 * scales and every real series has its own noise. Judging each raw score against its own past makes
 * "1 in 10,000" mean the same thing everywhere, and a series that spikes every hour stops alarming on
 * hourly spikes by itself.
 *
 * The history is a ring buffer plus a sorted copy (binary search + copyWithin), so one update costs
 * O(log n) comparisons and an O(n) memmove of at most a few KB: well under a microsecond for n = 1000.
 * Above `tail_quantile` the tail is modelled as exponential with the mean excess of the history (peaks
 * over threshold), so a value far beyond anything seen still gets a finite, ordered probability.
 */
import type { CalibrationConfig } from './config.js';

export interface Calibrated {
  /** Tail probability P(raw' >= raw) under the recent history, in (0,1]. */
  tail: number;
  /** -log10(tail). */
  surprise: number;
  /** Score in [0,1]: 0 up to surprise_floor, 1 from surprise_ceiling, linear between. */
  score: number;
}

/**
 * A young history's exponential tail beyond its largest value is fitted to a handful of values: its mean
 * excess is at least this many times the history's range over the values learned. At 50 values the edge
 * of ordinary noise stays ordinary (clean uniform noise alarmed at its 50th calibrated sample without it);
 * a value far beyond everything seen is still rare, and from a few hundred values on it changes nothing.
 * It counts values learned over its life, not those its history holds: a short history (the mesh-metrics
 * path keeps 200) of a long-lived series is not young.
 */
const YOUNG_SPREAD = 10;

const ZERO: Calibrated = Object.freeze({ tail: 1, surprise: 0, score: 0 });

export class TailCalibrator {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private head = 0;
  private count = 0;
  /** Raw scores learned over its life (a full history of a long-lived series is not young). */
  private learned = 0;

  constructor(private readonly cfg: CalibrationConfig) {
    this.ring = new Float64Array(cfg.history_size);
    this.sorted = new Float64Array(cfg.history_size);
  }

  get size(): number {
    return this.count;
  }

  /** Calibrate `raw` against the history so far, then add it to the history. */
  update(raw: number): Calibrated {
    if (!Number.isFinite(raw)) return ZERO;
    const result = this.calibrate(raw);
    this.add(raw);
    this.learned++;
    return result;
  }

  /** Calibrate without remembering (the value is judged, not learned). */
  calibrate(raw: number): Calibrated {
    const n = this.count;
    if (n < this.cfg.min_history || !Number.isFinite(raw)) return ZERO;
    const tail = this.tailProbability(raw);
    // Never claim more certainty than the history can back: at most 10,000 times rarer than 1/n.
    const surprise = Math.min(-Math.log10(tail), Math.log10(n + 1) + 4);
    const { surprise_floor: lo, surprise_ceiling: hi } = this.cfg;
    const score = surprise <= lo ? 0 : surprise >= hi ? 1 : (surprise - lo) / (hi - lo);
    return { tail, surprise, score };
  }

  private tailProbability(raw: number): number {
    const n = this.count;
    const s = this.sorted;
    // Values at or above raw (upper tail). Ties count against surprise.
    const above = n - this.lowerBound(raw);
    const tailStart = Math.min(n - 1, Math.floor(this.cfg.tail_quantile * n));
    const threshold = s[tailStart]!;
    if (raw <= threshold) return (above + 1) / (n + 1);
    // Peaks over threshold: exponential excess with the mean excess of the history's tail.
    let excessSum = 0;
    let excessCount = 0;
    for (let i = tailStart; i < n; i++) {
      const e = s[i]! - threshold;
      if (e > 0) {
        excessSum += e;
        excessCount++;
      }
    }
    const tailMass = (n - tailStart) / (n + 1);
    if (this.cfg.tail === 'pareto' && threshold > 0) {
      const pareto = this.paretoTail(raw, threshold, tailStart, tailMass);
      if (pareto !== undefined)
        return above > 0
          ? Math.max(Math.min(pareto, (above + 1) / (n + 1)), above / (n + 1))
          : Math.min(pareto, 1 / (n + 1));
    }
    const spread = s[n - 1]! - s[0]!;
    // A flat history (no excess) still ranks larger departures as rarer, just very steeply.
    const meanExcess =
      excessCount > 0 ? excessSum / excessCount : Math.max(spread, Math.abs(threshold), 1) * 1e-3;
    const youngExcess = (spread * YOUNG_SPREAD) / Math.max(n, this.learned);
    const pot = tailMass * Math.exp(-(raw - threshold) / Math.max(meanExcess, youngExcess));
    // The exponential tail extrapolates beyond what was seen; it never overrides what was seen: a
    // value the history already holds k times is at least k/(n+1) likely (benign recurring spikes).
    if (above > 0) return Math.max(Math.min(pot, (above + 1) / (n + 1)), above / (n + 1));
    return Math.min(pot, 1 / (n + 1));
  }

  /**
   * Power-law (Pareto) tail with the Hill estimate of its index: P(X > x) ∝ x^(−1/ξ). Heavier than the
   * exponential: a value twice the largest seen is judged against how the tail has already stretched,
   * so series with benign outliers of every size (bursts, slow requests) are not alarms at each new record.
   */
  private paretoTail(
    raw: number,
    threshold: number,
    tailStart: number,
    tailMass: number,
  ): number | undefined {
    const s = this.sorted;
    let logSum = 0;
    let k = 0;
    for (let i = tailStart; i < this.count; i++) {
      if (s[i]! > threshold) {
        logSum += Math.log(s[i]! / threshold);
        k++;
      }
    }
    if (k === 0 || logSum <= 0) return undefined;
    return tailMass * Math.pow(raw / threshold, -k / logSum);
  }

  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.count;
    const s = this.sorted;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(v: number): number {
    let lo = 0;
    let hi = this.count;
    const s = this.sorted;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private add(v: number): void {
    const cap = this.ring.length;
    const s = this.sorted;
    // Insert after and remove the last of equal values: long runs of one value (often 0) then move
    // nothing instead of the whole array.
    if (this.count === cap) {
      const old = this.ring[this.head]!;
      const at = this.upperBound(old) - 1;
      s.copyWithin(at, at + 1, this.count);
      this.count--;
    }
    const at = this.upperBound(v);
    s.copyWithin(at + 1, at, this.count);
    s[at] = v;
    this.count++;
    this.ring[this.head] = v;
    this.head = (this.head + 1) % cap;
  }

  /** Quantile of the history (0..1), for evidence and tests. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const i = Math.min(this.count - 1, Math.max(0, Math.floor(q * this.count)));
    return this.sorted[i]!;
  }

  toJSON(): { values: number[]; learned: number } {
    const values: number[] = [];
    const cap = this.ring.length;
    const start = this.count === cap ? this.head : 0;
    for (let i = 0; i < this.count; i++) values.push(this.ring[(start + i) % cap]!);
    return { values, learned: this.learned };
  }

  static fromJSON(cfg: CalibrationConfig, state: { values: number[]; learned?: number }): TailCalibrator {
    const c = new TailCalibrator(cfg);
    for (const v of state.values) if (Number.isFinite(v)) c.add(v);
    c.learned = Math.max(c.count, Number.isFinite(state.learned) ? state.learned! : 0);
    return c;
  }
}
