import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ContextualConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Off by default: it raised a new false alarm on a clean seasonal series of the unit tests (see README).',
    }),
    bins: Type.Integer({
      default: 18,
      minimum: 2,
      maximum: 30,
      description:
        'Bins the learned value range is cut into (two overflow bins come on top). 18 scored best of 8, 12, 18, 24 and 30 on the tuning half.',
    }),
    orders: Type.Integer({
      default: 3,
      minimum: 0,
      maximum: 4,
      description: 'Longest context: how many preceding binned values condition the next one.',
    }),
    widen: Type.Number({
      default: 0.02,
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        'Fraction of an excess by which the range widens per sample beyond it (slow: a spike stays an outlier).',
    }),
    settle: Type.Integer({
      default: 24,
      minimum: 1,
      description: 'First samples over which the range covers whatever it sees.',
    }),
    max_entries: Type.Integer({
      default: 4096,
      minimum: 64,
      description:
        'Learned transitions kept per series; beyond it all counts are halved and the rarest forgotten (memory bound).',
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
export type ContextualConfig = Static<typeof ContextualConfig>;

/** Every key at its schema default. */
export const defaultContextualConfig = Value.Default(ContextualConfig, {}) as ContextualConfig;
