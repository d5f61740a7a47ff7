import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const VarianceConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    alpha: Type.Number({
      default: 0.1,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Smoothing of the short-term squared residual (about 2/alpha samples of memory).',
    }),
    clip: Type.Number({ default: 6, minimum: 1, description: 'Largest |z| one sample may contribute.' }),
    phase_bins: Type.Integer({
      default: 24,
      minimum: 0,
      maximum: 288,
      description:
        "Phase scale (0: off): the baseline's residual judged per clock-time bin of the day (its own usual error and spread there); the short RMS of that normalized residual joins the variance part, so a series turning jittery at its quiet hours shows even when other hours are always noisy.",
    }),
    phase_alpha: Type.Number({
      default: 0.1,
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        "Weight of each day's residuals in its phase's average error and spread (a phase visited k times a day learns each with this ÷ k).",
    }),
    phase_short_alpha: Type.Number({
      default: 0.05,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Smoothing of the short RMS of phase-normalized residuals.',
    }),
    phase_clip: Type.Number({
      default: 4,
      minimum: 1,
      description:
        'Largest phase-normalized residual one sample may contribute (and the most a burst teaches its phase, in spreads).',
    }),
    phase_stride: Type.Integer({
      default: 4,
      minimum: 1,
      description:
        'One phase-normalized RMS in this many is learned by its calibrator (all are judged): the RMS moves slowly, so the same memory costs less.',
    }),
    phase_min_count: Type.Integer({
      default: 8,
      minimum: 2,
      description: 'Residuals a phase must have learned before its normalized residual counts.',
    }),
    shape_enabled: Type.Boolean({
      default: true,
      description:
        "Daily shape (daily-shape.ts, joins the drift part): the value against its own one-day level per clock-time bin (the phase scale's bins and smoothing), its short RMS calibrated against the series' earlier days, so a changed daily pattern the baseline's level shifts and scale absorb shows. Off: tuning half 71.7 -> 68.2.",
    }),
    shape_delay: Type.Integer({
      default: 48,
      minimum: 0,
      description:
        "Samples each daily-shape RMS waits before its calibrator learns it (learned at once while a detection's refractory period runs). 0 scored 68.8 on the tuning half, 48 71.0 (both from day 7).",
    }),
    shape_start_days: Type.Number({
      default: 6,
      minimum: 0,
      description:
        'Days of a series before the daily shape counts: a first weekend is a new shape too (from day 0 it alarmed on clean series at their first weekend). Tuning half: 5 71.6, 6 71.7, 7 71.0, 14 69.4.',
    }),
    shape_min_strength: Type.Number({
      default: 0.5,
      minimum: 0,
      description:
        "The daily shape counts only while its learned profile is this clear: the spread of the bins' average offsets against their own average spread (near 0 without a daily shape).",
    }),
    ratio_short_alpha: Type.Number({
      default: 0.15,
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        "Smoothing of the steps' short mean absolute size in the step variance ratio. On the tuning half 0.15 scored 71.6, 0.1 70.7 and 0.2 71.1.",
    }),
    ratio_long_alpha: Type.Number({
      default: 0.005,
      minimum: 0,
      maximum: 1,
      description:
        "Smoothing of the steps' long mean absolute size in the step variance ratio (0: the ratio is off). 0.002 scored lower on the tuning half.",
    }),
    ratio_clip: Type.Number({
      default: 3,
      minimum: 1,
      description:
        'Largest step one sample may contribute to the ratio, in long-run mean step sizes (a spike is two large steps). 2, 2.5 and 4 scored lower on the tuning half.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type VarianceConfig = Static<typeof VarianceConfig>;

/** Every key at its schema default. */
export const defaultVarianceConfig = Value.Default(VarianceConfig, {}) as VarianceConfig;
