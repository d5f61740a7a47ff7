/**
 * The autoencoder's input: one row per source workload per closed window, in FEATURE_NAMES order
 * (produced by the window aggregator in pipelines/features), and its scaling.
 *
 * Pure functions only, no tfjs: the scorer's hot path scales rows into a reused Float32Array.
 */

export const FEATURE_NAMES = [
  'requests',
  'distinct_destinations',
  'distinct_paths',
  'new_destinations',
  'new_paths',
  'ratio_4xx',
  'ratio_denied',
  'ratio_not_found',
  'ratio_5xx',
  'bytes_up',
  'bytes_down',
  'egress_requests',
  'egress_bytes_up',
  'mean_duration_ms',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/**
 * Counts, bytes and durations are heavy-tailed (a batch job moves 1000× the bytes of a health check),
 * so they are log1p-compressed before standardizing; ratios are already in [0,1] and kept as is.
 */
export type FeatureTransform = 'log1p' | 'identity';
export const FEATURE_TRANSFORMS: readonly FeatureTransform[] = FEATURE_NAMES.map((name) =>
  name.startsWith('ratio_') ? 'identity' : 'log1p',
);

/**
 * Standard deviations below this (in log1p units) are raised to it. A feature that never moved during
 * training (egress_requests always 0) would otherwise turn the first single request into a z of millions;
 * 0.25 still makes 0 → 1 request ~2.8 σ and 0 → 50 requests ~16 σ.
 */
export const MIN_STD = 0.25;
/** Scaled values are clipped here so one absurd input cannot overflow the float32 error. */
export const MAX_ABS_SCALED = 50;

export interface FeatureScaler {
  featureNames: string[];
  transforms: FeatureTransform[];
  mean: number[];
  std: number[];
}

/** Why a raw row cannot be scored, or undefined when it can. Negative and non-finite values are refused. */
export function rowProblem(raw: unknown): string | undefined {
  if (!Array.isArray(raw) && !ArrayBuffer.isView(raw)) return 'row is not an array';
  const row = raw as ArrayLike<unknown>;
  if (row.length !== FEATURE_COUNT) return `row has ${row.length} values, expected ${FEATURE_COUNT}`;
  for (let i = 0; i < FEATURE_COUNT; i++) {
    const v = row[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${FEATURE_NAMES[i]} is not a finite number`;
    if (v < 0) return `${FEATURE_NAMES[i]} is negative`;
  }
  return undefined;
}

function transformed(v: number, t: FeatureTransform): number {
  // Defensive: callers validate with rowProblem, but a NaN must never reach the model.
  const clean = Number.isFinite(v) && v > 0 ? v : 0;
  return t === 'log1p' ? Math.log1p(clean) : Math.min(clean, 1);
}

/** Fit the scaler on training rows (assumed valid: see rowProblem). */
export function fitScaler(rows: ReadonlyArray<ArrayLike<number>>): FeatureScaler {
  const n = rows.length;
  const mean = new Array<number>(FEATURE_COUNT).fill(0);
  const std = new Array<number>(FEATURE_COUNT).fill(1);
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const t = FEATURE_TRANSFORMS[j]!;
    if (t === 'identity' || n === 0) {
      mean[j] = 0;
      std[j] = 1;
      continue;
    }
    let sum = 0;
    for (const row of rows) sum += transformed(row[j] ?? 0, t);
    const m = sum / n;
    let sq = 0;
    for (const row of rows) {
      const d = transformed(row[j] ?? 0, t) - m;
      sq += d * d;
    }
    mean[j] = m;
    std[j] = Math.max(Math.sqrt(sq / n), MIN_STD);
  }
  return { featureNames: [...FEATURE_NAMES], transforms: [...FEATURE_TRANSFORMS], mean, std };
}

/** Scale one raw row into `out` (length ≥ FEATURE_COUNT, written from `offset`). Pure and allocation-free. */
export function scaleRow(raw: ArrayLike<number>, scaler: FeatureScaler, out: Float32Array, offset = 0): void {
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const t = scaler.transforms[j] ?? 'identity';
    const z = (transformed(raw[j] ?? 0, t) - (scaler.mean[j] ?? 0)) / (scaler.std[j] ?? 1);
    out[offset + j] = z > MAX_ABS_SCALED ? MAX_ABS_SCALED : z < -MAX_ABS_SCALED ? -MAX_ABS_SCALED : z;
  }
}

/** Check a scaler read from disk; returns the problems (empty when usable). */
export function scalerProblems(s: unknown): string[] {
  const problems: string[] = [];
  if (typeof s !== 'object' || s === null) return ['scaler: missing'];
  const sc = s as Partial<FeatureScaler>;
  const names = sc.featureNames ?? [];
  if (names.length !== FEATURE_COUNT || names.some((n, i) => n !== FEATURE_NAMES[i]))
    problems.push(
      `scaler.featureNames: model was trained on [${names.join(', ')}], this version uses [${FEATURE_NAMES.join(', ')}]`,
    );
  for (const key of ['mean', 'std'] as const) {
    const arr = sc[key];
    if (
      !Array.isArray(arr) ||
      arr.length !== FEATURE_COUNT ||
      arr.some((v) => typeof v !== 'number' || !Number.isFinite(v))
    )
      problems.push(`scaler.${key}: expected ${FEATURE_COUNT} finite numbers`);
  }
  if (Array.isArray(sc.std) && sc.std.some((v) => typeof v === 'number' && v <= 0))
    problems.push('scaler.std: must be positive');
  if (
    !Array.isArray(sc.transforms) ||
    sc.transforms.length !== FEATURE_COUNT ||
    sc.transforms.some((t) => t !== 'log1p' && t !== 'identity')
  )
    problems.push(`scaler.transforms: expected ${FEATURE_COUNT} of "log1p" | "identity"`);
  return problems;
}
