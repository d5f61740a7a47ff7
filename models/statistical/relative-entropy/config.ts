import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const RelativeEntropyConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Off by default: on series gone flat it outscores the variance part and it alarms on a clean seasonal series of the unit tests (see README).',
    }),
    bins: Type.Integer({
      default: 10,
      minimum: 2,
      maximum: 62,
      description: 'Histogram bins over the learned value range (two overflow bins come on top).',
    }),
    window: Type.Integer({
      default: 96,
      minimum: 8,
      maximum: 10_000,
      description:
        'Recent samples whose histogram is compared with the learned ones (96 scored above 48 on the tuning half).',
    }),
    references: Type.Integer({
      default: 8,
      minimum: 1,
      maximum: 64,
      description: 'Learned histograms kept (the series\u2019 ordinary regimes, and candidates for one).',
    }),
    min_hits: Type.Integer({
      default: 48,
      minimum: 1,
      description: 'Windows that must match a learned histogram before it counts as an ordinary regime.',
    }),
    match_z: Type.Number({
      default: 2.33,
      minimum: 0,
      description:
        'A window matches a histogram when 2·window·KL lies below the chi-square quantile at this normal z (2.33: 99%).',
    }),
    widen: Type.Number({
      default: 0.02,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Fraction of an excess by which the range widens per sample beyond it.',
    }),
    weight: Type.Number({
      default: 1,
      minimum: 0,
      maximum: 1,
      description: 'Multiplier of its calibrated score in the stack (0 turns its vote off).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type RelativeEntropyConfig = Static<typeof RelativeEntropyConfig>;

/** Every key at its schema default. */
export const defaultRelativeEntropyConfig = Value.Default(RelativeEntropyConfig, {}) as RelativeEntropyConfig;
