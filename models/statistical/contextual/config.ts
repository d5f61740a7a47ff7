import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { memberWeight, rangeWiden } from '../range/config.js';

export const ContextualConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Off by default: added to the defaults it gained on the tuning half of the development corpus (50.1 to 50.9 standard) but lost on the held-out half (48.2 to 47.9).',
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
    widen: rangeWiden(),
    settle: Type.Integer({
      default: 24,
      minimum: 1,
      description: 'First samples over which the range covers whatever it sees.',
    }),
    warmup: Type.Integer({
      default: 300,
      minimum: 0,
      description:
        'Samples before its score counts in the stack (its counts, range and calibration history are young before).',
    }),
    stable_samples: Type.Integer({
      default: 24,
      minimum: 0,
      description:
        'Its score counts only once the range has not moved for this many samples (bins are not comparable across a move).',
    }),
    max_entries: Type.Integer({
      default: 4096,
      minimum: 64,
      description:
        'Learned transitions kept per series; beyond it all counts are halved and the rarest forgotten (memory bound).',
    }),
    weight: memberWeight(),
  },
  { additionalProperties: false, default: {} },
);
export type ContextualConfig = Static<typeof ContextualConfig>;

/** Every key at its schema default. */
export const defaultContextualConfig = Value.Default(ContextualConfig, {}) as ContextualConfig;
