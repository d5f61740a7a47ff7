import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const FlatlineConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'On by default: on the development corpus it raised the standard score from 65.4 to 69.9 (tuning half) and 62.7 to 68.7 (held-out half).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type FlatlineConfig = Static<typeof FlatlineConfig>;

/** Every key at its schema default. */
export const defaultFlatlineConfig = Value.Default(FlatlineConfig, {}) as FlatlineConfig;
