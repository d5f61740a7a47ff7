/**
 * The stack's parts: their names, indices, the calibrators that feed them, their two families, and the
 * score the stack returns for one sample (apart from the stack itself, series-stack.ts, to keep both
 * files small).
 */
import { TailCalibrator } from '../calibration/tail-calibrator.js';
import type { SeriesStackConfig } from './config.js';

export const STACK_PARTS = [
  'spike',
  'level_shift',
  'variance',
  'drift',
  'changepoint',
  'likelihood',
  'contextual',
  'relative_entropy',
  'art',
  'flatline',
  'spectral',
] as const;
export type StackPart = (typeof STACK_PARTS)[number];

/**
 * Parts that read windows of raw values against what they learned of them; the others read the residual
 * from the seasonal baseline. The two families are the stack's independent views of a sample.
 */
export const WINDOW_PARTS: ReadonlySet<StackPart> = new Set<StackPart>([
  'relative_entropy',
  'contextual',
  'art',
  'spectral',
]);
export const IS_WINDOW_PART: readonly boolean[] = STACK_PARTS.map((k) => WINDOW_PARTS.has(k));

/**
 * Residual parts whose scores persist by construction (drift: averages and slopes over tens of samples;
 * flatline: one run of repeats scored as it grows): two high samples in a row are one observation, so
 * they do not agree with themselves (agreement_persist_level).
 */
export const PERSISTS_BY_ITSELF: readonly boolean[] = STACK_PARTS.map(
  (k) => k === 'drift' || k === 'flatline',
);

export interface SeriesScore {
  /** Fused calibrated score in [0,1]. */
  score: number;
  /** Which detector gave the fused score ('' when 0). */
  detector: StackPart | '';
  /** Value the baseline expected. */
  expected: number;
  /** Scale of ordinary departures (about one standard deviation). */
  scale: number;
  /** Standardized residual. */
  z: number;
  /**
   * Calibrated score of each detector (the larger of its two directions), after its alarm record on this
   * series (noisy-parts.ts).
   */
  parts: Record<StackPart, number>;
  /** True on the sample at which a level change was confirmed and the baseline moved. */
  levelShift: boolean;
}

/** Each part's index in STACK_PARTS. */
export const PART_INDEX = Object.freeze(
  Object.fromEntries(STACK_PARTS.map((k, i) => [k, i])) as Record<StackPart, number>,
);

export type CalibratorName =
  | 'spikeUp'
  | 'spikeDown'
  | 'stepUp'
  | 'stepDown'
  | 'cusumUp'
  | 'cusumDown'
  | 'variance'
  | 'varianceDown'
  | 'stepRatio'
  | 'driftUp'
  | 'driftDown'
  | 'changepoint'
  | 'contextual'
  | 'novelty'
  | 'entropy'
  | 'art'
  | 'levelUp'
  | 'levelDown'
  | 'slopeUp'
  | 'slopeDown'
  | 'slopeLongUp'
  | 'slopeLongDown'
  | 'dipReturn'
  | 'spectral';

export const NO_PARTS: Readonly<Record<StackPart, number>> = Object.freeze({
  spike: 0,
  level_shift: 0,
  variance: 0,
  drift: 0,
  changepoint: 0,
  likelihood: 0,
  contextual: 0,
  relative_entropy: 0,
  art: 0,
  flatline: 0,
  spectral: 0,
});

/** The scores of a typed array indexed like STACK_PARTS as a record (one object of a fixed shape). */
export function partsRecord(s: Float64Array): Record<StackPart, number> {
  return {
    spike: s[0]!,
    level_shift: s[1]!,
    variance: s[2]!,
    drift: s[3]!,
    changepoint: s[4]!,
    likelihood: s[5]!,
    contextual: s[6]!,
    relative_entropy: s[7]!,
    art: s[8]!,
    flatline: s[9]!,
    spectral: s[10]!,
  };
}

export function idle(value: number): SeriesScore {
  return {
    score: 0,
    detector: '',
    expected: Number.isFinite(value) ? value : NaN,
    scale: 0,
    z: 0,
    parts: { ...NO_PARTS },
    levelShift: false,
  };
}

/** One calibrator per raw score of the stack, each with its own history (the spike part's with its tail). */
export function stackCalibrators(cfg: SeriesStackConfig): Record<CalibratorName, TailCalibrator> {
  const c = (): TailCalibrator => new TailCalibrator(cfg.calibration);
  return {
    spikeUp: new TailCalibrator({ ...cfg.calibration, tail: cfg.spike.tail }),
    spikeDown: new TailCalibrator({ ...cfg.calibration, tail: cfg.spike.tail }),
    stepUp: c(),
    stepDown: c(),
    cusumUp: c(),
    cusumDown: c(),
    variance: c(),
    varianceDown: c(),
    stepRatio: c(),
    driftUp: c(),
    driftDown: c(),
    changepoint: c(),
    contextual: c(),
    novelty: c(),
    entropy: c(),
    art: c(),
    spectral: c(),
    dipReturn: c(),
    levelUp: c(),
    levelDown: c(),
    slopeUp: c(),
    slopeDown: c(),
    slopeLongUp: c(),
    slopeLongDown: c(),
  };
}
