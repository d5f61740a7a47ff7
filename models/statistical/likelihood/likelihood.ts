/**
 * Anomaly likelihood, after the post-processing that made Numenta's detectors strong on NAB: instead of
 * alarming on one surprising sample, average the last few surprises and ask how unusual that average
 * is against the long history of such averages (a Gaussian fitted over a long window).
 *
 * Why: a change that lasts (variance, a trend, a changed daily pattern) raises many samples a little,
 * which no per-sample test sees but the average does; a series that is always noisy has a wide
 * distribution of averages, so its noise stops alarming by itself. Each update is O(1): running sums
 * over two ring buffers, recomputed exactly once per pass over the long ring so rounding cannot drift.
 */
import type { LikelihoodConfig } from './config.js';

export interface Likelihood {
  /** Average surprise over the short window. */
  average: number;
  /** Gaussian upper-tail probability of that average under the long history, in (0,1]. */
  tail: number;
  /** Score in [0,1]: 0 up to surprise_floor of -log10(tail), 1 from surprise_ceiling. */
  score: number;
}

export class AnomalyLikelihood {
  private readonly short: Float64Array;
  private shortHead = 0;
  private shortCount = 0;
  private shortSum = 0;
  private readonly long: Float64Array;
  private longHead = 0;
  private longCount = 0;
  private longSum = 0;
  private longSumSq = 0;

  constructor(private readonly cfg: LikelihoodConfig) {
    this.short = new Float64Array(cfg.short_window);
    this.long = new Float64Array(cfg.long_window);
  }

  /** Judge the average including `surprise` against the history so far, then learn it. */
  update(surprise: number): Likelihood {
    const x = Number.isFinite(surprise) ? Math.max(0, surprise) : 0;
    if (this.shortCount === this.short.length) this.shortSum -= this.short[this.shortHead]!;
    else this.shortCount++;
    this.short[this.shortHead] = x;
    this.shortSum += x;
    this.shortHead = (this.shortHead + 1) % this.short.length;
    const average = this.shortSum / this.shortCount;

    let tail = 1;
    const n = this.longCount;
    if (n >= this.cfg.min_history && this.shortCount === this.short.length) {
      const mean = this.longSum / n;
      const std = Math.max(Math.sqrt(Math.max(this.longSumSq / n - mean * mean, 0)), this.cfg.min_std);
      tail = normalUpperTail((average - mean) / std);
    }
    this.learn(average);
    const s = -Math.log10(Math.max(tail, 1e-300));
    const { surprise_floor: lo, surprise_ceiling: hi } = this.cfg;
    const score = s <= lo ? 0 : s >= hi ? 1 : (s - lo) / (hi - lo);
    return { average, tail, score };
  }

  private learn(v: number): void {
    const cap = this.long.length;
    if (this.longCount === cap) {
      const old = this.long[this.longHead]!;
      this.longSum -= old;
      this.longSumSq -= old * old;
    } else this.longCount++;
    this.long[this.longHead] = v;
    this.longSum += v;
    this.longSumSq += v * v;
    this.longHead = (this.longHead + 1) % cap;
    if (this.longHead === 0) this.resum();
  }

  private resum(): void {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < this.longCount; i++) {
      const v = this.long[i]!;
      sum += v;
      sumSq += v * v;
    }
    this.longSum = sum;
    this.longSumSq = sumSq;
  }
}

/**
 * P(Z >= z) for a standard normal, with small relative error far into the tail (where 1 − Φ(z) computed
 * directly would round to 0): the complementary error function of Numerical Recipes (erfcc, fractional
 * error below 1.2e-7 everywhere).
 */
export function normalUpperTail(z: number): number {
  const x = z / Math.SQRT2;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  let poly = 0;
  for (let k = ERFCC.length - 1; k >= 0; k--) poly = ERFCC[k]! + t * poly;
  const erfc = t * Math.exp(-a * a + poly);
  return 0.5 * (x >= 0 ? erfc : 2 - erfc);
}

/** Coefficients of erfcc's Chebyshev fit, lowest order first. */
const ERFCC = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
] as const;
