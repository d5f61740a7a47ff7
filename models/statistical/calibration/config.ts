import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const CalibrationConfig = Type.Object(
  {
    history_size: Type.Integer({
      default: 1000,
      minimum: 16,
      maximum: 100_000,
      description: 'Raw scores kept per detector to judge the next one against (memory: 16 bytes each).',
    }),
    tail_quantile: Type.Number({
      default: 0.95,
      minimum: 0.5,
      maximum: 0.999,
      description:
        'Above this quantile of the history the tail is modelled as exponential (peaks over threshold).',
    }),
    tail: Type.Union([Type.Literal('exponential'), Type.Literal('pareto')], {
      default: 'exponential',
      description:
        'Shape of the modelled tail: exponential (light) or pareto (a power law, for raw scores with heavy tails; falls back to exponential when the tail threshold is not positive).',
    }),
    min_history: Type.Integer({
      default: 48,
      minimum: 1,
      description: 'Raw scores needed before the calibrator reports anything but 0.',
    }),
    surprise_floor: Type.Number({
      default: 2,
      minimum: 0,
      description: 'Surprise (-log10 tail probability) at or below which the score is 0.',
    }),
    surprise_ceiling: Type.Number({
      default: 6,
      minimum: 0.1,
      description: 'Surprise at or above which the score is 1.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type CalibrationConfig = Static<typeof CalibrationConfig>;

/** Every key at its schema default. */
export const defaultCalibrationConfig = Value.Default(CalibrationConfig, {}) as CalibrationConfig;

/** The cross-field rule the schema cannot express; each message names the keys. */
export function validateCalibrationConfig(c: CalibrationConfig): string[] {
  return c.surprise_ceiling > c.surprise_floor
    ? []
    : [`surprise_ceiling (${c.surprise_ceiling}) must be above surprise_floor (${c.surprise_floor})`];
}
