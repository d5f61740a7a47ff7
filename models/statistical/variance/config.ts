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
  },
  { additionalProperties: false, default: {} },
);
export type VarianceConfig = Static<typeof VarianceConfig>;

/** Every key at its schema default. */
export const defaultVarianceConfig = Value.Default(VarianceConfig, {}) as VarianceConfig;
