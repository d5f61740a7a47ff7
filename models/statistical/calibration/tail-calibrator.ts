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
import { lowerBound, upperBound } from './sorted-search.js';

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

/** Per history size n, -log10((k + 1) / (n + 1)) for k = 0..n: a full history's rank surprises. */
const RANK_SURPRISES = new Map<number, Float64Array>();

function rankSurprises(n: number): Float64Array {
  let table = RANK_SURPRISES.get(n);
  if (table === undefined) {
    table = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) table[k] = -Math.log10((k + 1) / (n + 1));
    RANK_SURPRISES.set(n, table);
  }
  return table;
}

export class TailCalibrator {
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  /** Surprise of each rank in a full history (shared by every calibrator of that history size). */
  private readonly ranks: Float64Array;
  private head = 0;
  private count = 0;
  /** Raw scores learned over its life (a full history of a long-lived series is not young). */
  private learned = 0;
  /** The surprise cap log10(n + 1) + 4 for the last n it was computed for (n changes only while filling). */
  private capFor = -1;
  private cap = 0;
  /** Where the last raw score and the last value dropped from the history were found (search hints). */
  private rawAt = 0;
  private oldAt = 0;
  /** The last judgement (whether there was one, its tail probability and surprise). */
  private judged = false;
  private tail = 1;
  private surprise = 0;

  constructor(private readonly cfg: CalibrationConfig) {
    this.ring = new Float64Array(cfg.history_size);
    this.sorted = new Float64Array(cfg.history_size);
    this.ranks = rankSurprises(cfg.history_size);
  }

  get size(): number {
    return this.count;
  }

  /** Surprise of the raw score last calibrated (0 when it was not judged: too young or not finite). */
  get lastSurprise(): number {
    return this.surprise;
  }

  /** Calibrate `raw` against the history so far, then add it to the history. */
  update(raw: number): Calibrated {
    return this.result(this.updateScore(raw));
  }

  /** Calibrate without remembering (the value is judged, not learned). */
  calibrate(raw: number): Calibrated {
    return this.result(this.calibrateScore(raw));
  }

  /** update() without a result object (for callers that run it on every sample); see lastSurprise. */
  updateScore(raw: number): number {
    if (!Number.isFinite(raw)) return this.unjudged();
    // One search serves both: raw's rank in the history and its place in the sorted copy.
    const below = this.lowerBound(raw);
    const score = this.count < this.cfg.min_history ? this.unjudged() : this.judge(raw, below);
    this.add(raw, this.upperBoundFrom(raw, below));
    this.learned++;
    return score;
  }

  /** calibrate() without a result object; see lastSurprise. */
  calibrateScore(raw: number): number {
    if (this.count < this.cfg.min_history || !Number.isFinite(raw)) return this.unjudged();
    return this.judge(raw, this.lowerBound(raw));
  }

  private result(score: number): Calibrated {
    return this.judged ? { tail: this.tail, surprise: this.surprise, score } : ZERO;
  }

  private unjudged(): number {
    this.judged = false;
    this.tail = 1;
    this.surprise = 0;
    return 0;
  }

  /** The calibrated score of `raw`, `below` values of the history being smaller than it. */
  private judge(raw: number, below: number): number {
    const n = this.count;
    // Values at or above raw (upper tail). Ties count against surprise.
    const above = n - below;
    const tailStart = Math.min(n - 1, Math.floor(this.cfg.tail_quantile * n));
    const threshold = this.sorted[tailStart]!;
    if (raw > threshold) {
      const tail = this.tailBeyond(raw, above, tailStart, threshold);
      return this.scored(tail, -Math.log10(tail), n);
    }
    // Below the tail the probability is the empirical rank; a full history looks its surprise up.
    const tail = (above + 1) / (n + 1);
    return this.scored(tail, n === this.ring.length ? this.ranks[above]! : -Math.log10(tail), n);
  }

  /** The score for a tail probability and its surprise -log10(tail), with `n` raw scores held. */
  private scored(tail: number, rawSurprise: number, n: number): number {
    // Never claim more certainty than the history can back: at most 10,000 times rarer than 1/n.
    if (n !== this.capFor) {
      this.capFor = n;
      this.cap = Math.log10(n + 1) + 4;
    }
    const surprise = Math.min(rawSurprise, this.cap);
    const { surprise_floor: lo, surprise_ceiling: hi } = this.cfg;
    this.judged = true;
    this.tail = tail;
    this.surprise = surprise;
    return surprise <= lo ? 0 : surprise >= hi ? 1 : (surprise - lo) / (hi - lo);
  }

  /** Tail probability of a raw score beyond the history's tail_quantile (`above` values at or above it). */
  private tailBeyond(raw: number, above: number, tailStart: number, threshold: number): number {
    const n = this.count;
    const s = this.sorted;
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

  /** Values of the history below v (its rank), searched from the last raw score's place. */
  private lowerBound(v: number): number {
    const at = lowerBound(this.sorted, this.count, v, this.rawAt);
    this.rawAt = at;
    return at;
  }

  /** Place after the values equal to v, knowing `below` values are smaller than it. */
  private upperBoundFrom(v: number, below: number): number {
    return upperBound(this.sorted, this.count, v, below);
  }

  /** Remember v, its place in the sorted copy being `at` (after its equals). */
  private add(v: number, at = upperBound(this.sorted, this.count, v, 0)): void {
    const cap = this.ring.length;
    if (this.count === cap) this.replace(this.ring[this.head]!, v, at);
    else this.insert(v, at);
    this.ring[this.head] = v;
    this.head = (this.head + 1) % cap;
  }

  /** Insert after equal values: long runs of one value (often 0) then move nothing. */
  private insert(v: number, at: number): void {
    this.sorted.copyWithin(at + 1, at, this.count);
    this.sorted[at] = v;
    this.count++;
  }

  /**
   * Remove the last of the values equal to `old` and insert `v` (whose place after its equals is `at`
   * while old is still there) in one move of the values between the two places: removing, then
   * inserting, moved everything after each of them, and the array comes out the same. Equal values are
   * interchangeable in the sorted copy (only their order is read), so replacing one by its equal moves
   * nothing.
   */
  private replace(old: number, v: number, at: number): void {
    if (old === v) return;
    const s = this.sorted;
    const from = upperBound(s, this.count, old, this.oldAt) - 1;
    this.oldAt = from;
    // v's place once old is gone: old no longer counts among the values at or below v.
    const to = old < v ? at - 1 : at;
    if (to > from) shift(s, from, from + 1, to + 1);
    else if (to < from) shift(s, to + 1, to, from);
    s[to] = v;
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

/** copyWithin for typed arrays; a short move is cheaper as a loop than as a call into the runtime. */
function shift(s: Float64Array, target: number, start: number, end: number): void {
  const len = end - start;
  if (len > 16) s.copyWithin(target, start, end);
  else if (target < start) for (let i = 0; i < len; i++) s[target + i] = s[start + i]!;
  else for (let i = len - 1; i >= 0; i--) s[target + i] = s[start + i]!;
}
