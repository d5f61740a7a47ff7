/**
 * Turns a reconstruction error into a calibrated tail probability: the (smoothed) fraction of training
 * windows whose error was below it. Pure, no tfjs.
 *
 * Only quantiles of the training errors are kept (not every error), so the saved metadata stays small
 * whatever the baseline size. Beyond the largest training error a heavy (Pareto, shape 1) tail, scaled
 * by the mean excess over the 99th percentile, keeps scores ordered: an error 100× the worst normal one
 * scores higher than one just past it. An exponential tail would round both to exactly 1 in float64.
 */

export interface Calibration {
  /** Training errors the quantiles summarise. */
  n: number;
  /** Ascending quantiles of the training errors, evenly spaced in probability from 0 to 1. */
  quantiles: number[];
  /** Scale of the tail beyond the last quantile (mean excess over the 99th percentile). */
  tailScale: number;
}

/** Linear-interpolated quantile of an ascending array. */
function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const a = sorted[lo]!;
  return a + (sorted[hi]! - a) * (pos - lo);
}

export function fitCalibration(errors: ArrayLike<number>, points: number): Calibration {
  const sorted = Float64Array.from(errors).sort();
  const n = sorted.length;
  if (n === 0) return { n: 0, quantiles: [0], tailScale: 1 };
  const count = Math.max(2, Math.min(points, n));
  const quantiles = Array.from({ length: count }, (_, k) => quantileSorted(sorted, k / (count - 1)));
  const u = quantileSorted(sorted, 0.99);
  let excess = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (sorted[i]! > u) {
      excess += sorted[i]! - u;
      m++;
    }
  }
  const max = sorted[n - 1]!;
  // Never zero: a degenerate baseline (all errors equal) still needs a finite, positive tail.
  const floor = Math.max(1e-6 * Math.abs(max), 1e-12);
  const tailScale = Math.max(m > 0 ? excess / m : max - quantileSorted(sorted, 0.5), floor);
  return { n, quantiles, tailScale };
}

/**
 * Smoothed fraction of training errors below `error`, in (0, 1): (F·n + ½)/(n + 1), so a model trained
 * on n windows never claims more certainty than n windows allow; then the Pareto tail beyond them.
 */
export function calibratedScore(error: number, cal: Calibration): number {
  const q = cal.quantiles;
  const n = cal.n;
  const last = q.length - 1;
  if (Number.isNaN(error)) return 0;
  if (error >= q[last]!) {
    const atMax = 0.5 / (n + 1);
    if (error === q[last]) return 1 - atMax;
    // Generalized Pareto survival with shape 1: (1 + x/σ)^-1. Slow decay, so it never reaches 1.
    return 1 - atMax / (1 + (error - q[last]!) / cal.tailScale);
  }
  // Upper bound: the first quantile strictly above the error (q[last] > error here, so hi ≤ last).
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (q[mid]! > error) hi = mid;
    else lo = mid + 1;
  }
  let fraction = 0;
  if (hi > 0) {
    const a = q[hi - 1]!;
    const b = q[hi]!;
    fraction = (hi - 1 + (error - a) / (b - a)) / last;
  }
  return (fraction * n + 0.5) / (n + 1);
}

/** Check a calibration read from disk; returns the problems (empty when usable). */
export function calibrationProblems(c: unknown): string[] {
  if (typeof c !== 'object' || c === null) return ['calibration: missing'];
  const cal = c as Partial<Calibration>;
  const problems: string[] = [];
  if (typeof cal.n !== 'number' || !Number.isInteger(cal.n) || cal.n < 1)
    problems.push('calibration.n: expected a positive integer');
  const q = cal.quantiles;
  if (
    !Array.isArray(q) ||
    q.length < 2 ||
    q.some((v, i) => typeof v !== 'number' || !Number.isFinite(v) || (i > 0 && v < q[i - 1]!))
  )
    problems.push('calibration.quantiles: expected at least 2 ascending finite numbers');
  if (typeof cal.tailScale !== 'number' || !(cal.tailScale > 0) || !Number.isFinite(cal.tailScale))
    problems.push('calibration.tailScale: expected a positive number');
  return problems;
}

/** The training error at probability `p` (nearest kept quantile), for logs and evidence. */
export function calibrationQuantile(cal: Calibration, p: number): number {
  const q = cal.quantiles;
  return q[Math.round(p * (q.length - 1))] ?? NaN;
}
