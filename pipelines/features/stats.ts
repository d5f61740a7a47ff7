/**
 * Online statistics for baselines that keep adapting: exponentially weighted mean and variance
 * (West's incremental form), turned into a calibrated tail probability.
 */
import { cumulativeStdNormalProbability } from 'simple-statistics';

export class EwStat {
  /**
   * Weight of the newest observation in thousandths (a small integer, which V8 stores inline; a
   * fractional field would cost a heap number per stat, and there are dozens of stats per entity).
   */
  private readonly alphaPerMille: number;

  constructor(
    /** Weight of the newest observation; 0.05 ≈ a memory of the last ~20 windows. */
    alpha = 0.05,
    public mean = 0,
    public variance = 0,
    public count = 0,
  ) {
    this.alphaPerMille = Math.round(alpha * 1000);
  }

  get alpha(): number {
    return this.alphaPerMille / 1000;
  }

  update(x: number): void {
    if (this.count === 0) {
      this.mean = x;
      this.variance = 0;
    } else {
      // Warm start: plain averaging until 1/alpha samples, then exponential forgetting.
      const a = Math.max(this.alpha, 1 / (this.count + 1));
      const diff = x - this.mean;
      const incr = a * diff;
      this.mean += incr;
      this.variance = (1 - a) * (this.variance + diff * incr);
    }
    this.count++;
  }

  /**
   * P(X < x) under a normal approximation of the baseline, with a variance floor so a perfectly
   * constant baseline does not turn the smallest change into certainty.
   */
  tailProbability(x: number, floorStd: number): number {
    const std = Math.sqrt(this.variance + floorStd * floorStd);
    const z = (x - this.mean) / std;
    if (z <= -3.5) return 0;
    if (z >= 3.5) return 1 - 1e-4 / z; // table ends at 3.09; keep ordering in the far tail
    return cumulativeStdNormalProbability(z);
  }

  zScore(x: number, floorStd: number): number {
    return (x - this.mean) / Math.sqrt(this.variance + floorStd * floorStd);
  }

  toJSON(): [number, number, number] {
    return [round(this.mean), round(this.variance), this.count];
  }
  static from(a: [number, number, number] | undefined, alpha?: number): EwStat {
    return a ? new EwStat(alpha, a[0], a[1], a[2]) : new EwStat(alpha);
  }
}

function round(x: number): number {
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
