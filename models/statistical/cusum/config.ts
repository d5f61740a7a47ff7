import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const CusumConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    drift: Type.Number({
      default: 0.5,
      minimum: 0,
      description:
        'Allowance k in scales: shifts smaller than this are ignored (half the smallest shift to catch).',
    }),
    decision: Type.Number({
      default: 8,
      exclusiveMinimum: 0,
      description:
        'Decision interval h in scales: at this cumulative sum a level change is confirmed and the baseline moves.',
    }),
    clip: Type.Number({
      default: 4,
      minimum: 1,
      description: 'Largest |z| one sample may add, so a lone spike is not taken for a level change.',
    }),
    confirm_samples: Type.Integer({
      default: 4,
      minimum: 1,
      maximum: 64,
      description:
        'The last this many residuals must agree in sign before the baseline is moved to the new level.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type CusumConfig = Static<typeof CusumConfig>;

/** Every key at its schema default. */
export const defaultCusumConfig = Value.Default(CusumConfig, {}) as CusumConfig;
