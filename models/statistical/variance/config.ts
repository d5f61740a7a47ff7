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
