/**
 * Online statistics for baselines that keep adapting: exponentially weighted mean and variance
 * (West's incremental form), turned into a calibrated tail probability.
 */
import { cumulativeStdNormalProbability } from 'simple-statistics';

/**
 * One exponentially weighted statistic: mean and variance at `at` and `at + 1` of a shared array of
 * doubles, and the number of observations at `countAt`. Baselines keep all their statistics in one
 * array per entity (plain doubles, no object per statistic: memory per tracked workload is what bounds
 * a large mesh), and hand out these views to read and update them.
 */
export class EwStat {
  /**
   * Weight of the newest observation in thousandths (a small integer, which V8 stores inline; a
   * fractional field would cost a heap number per view).
   */
  private readonly alphaPerMille: number;

  constructor(
    /** Weight of the newest observation; 0.05 ≈ a memory of the last ~20 windows. */
    alpha = 0.05,
    private readonly values: number[] = [0, 0, 0],
    private readonly at = 0,
    private readonly countAt = at + 2,
  ) {
    this.alphaPerMille = Math.round(alpha * 1000);
  }

  get alpha(): number {
    return this.alphaPerMille / 1000;
  }
  get mean(): number {
    return this.values[this.at]!;
  }
  get variance(): number {
    return this.values[this.at + 1]!;
  }
  get count(): number {
    return this.values[this.countAt]!;
  }

  /** Fold in one observation and count it. */
  update(x: number): void {
    this.fold(x);
    this.values[this.countAt]!++;
  }

  /**
   * Fold in one observation without counting it: for statistics that share one count (all of a
   * baseline's statistics learn from the same windows), whose owner counts once.
   */
  fold(x: number): void {
    const v = this.values;
    const at = this.at;
    const count = v[this.countAt]!;
    if (count === 0) {
      v[at] = x;
      v[at + 1] = 0;
    } else {
      // Warm start: plain averaging until 1/alpha samples, then exponential forgetting.
      const a = Math.max(this.alpha, 1 / (count + 1));
      const diff = x - v[at]!;
      const incr = a * diff;
      v[at] = v[at]! + incr;
      v[at + 1] = (1 - a) * (v[at + 1]! + diff * incr);
    }
  }

  /** Count one observation folded in with foldBounded (see there). */
  updateBounded(x: number, maxRise: number): number {
    const held = this.foldBounded(x, maxRise);
    this.values[this.countAt]!++;
    return held;
  }

  /**
   * Fold in one observation, but let the mean rise by at most `maxRise` (the variance is updated with
   * the bounded value too): a baseline that grows at a bounded rate cannot be taught by a slow ramp.
   * Returns how much of `x` was not learned (0 when nothing was held back).
   */
  foldBounded(x: number, maxRise: number): number {
    const count = this.values[this.countAt]!;
    if (count === 0) {
      this.fold(x);
      return 0;
    }
    const a = Math.max(this.alpha, 1 / (count + 1));
    const bounded = Math.min(x, this.mean + maxRise / a);
    this.fold(bounded);
    return x - bounded;
  }

  /**
   * P(X < x) under a normal approximation of the baseline, with a variance floor so a perfectly
   * constant baseline does not turn the smallest change into certainty.
   */
  tailProbability(x: number, floorStd: number): number {
    return zToProbability(this.zScore(x, floorStd));
  }

  zScore(x: number, floorStd: number): number {
    return (x - this.mean) / Math.sqrt(this.variance + floorStd * floorStd);
  }

  toJSON(): [number, number, number] {
    return [round(this.mean), round(this.variance), this.count];
  }
  static from(a: [number, number, number] | undefined, alpha?: number): EwStat {
    return a ? new EwStat(alpha, [a[0], a[1], a[2]]) : new EwStat(alpha);
  }
}

export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Binomial surprise of k successes out of n against a baseline rate p: a z-score. */
export function binomialZ(k: number, n: number, p: number): number {
  const rate = Math.min(Math.max(p, 0.005), 0.995);
  return (k - n * rate) / Math.sqrt(n * rate * (1 - rate));
}

export function zToProbability(z: number): number {
  if (z <= -3.5) return 0;
  if (z >= 3.5) return 1 - 1e-4 / z;
  return cumulativeStdNormalProbability(z);
}
