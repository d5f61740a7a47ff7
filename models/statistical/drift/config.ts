import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const DriftConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Off by default: on the development corpus (three seeds) it found 2 windows the other parts missed and raised 78 false positives on wandering series; the sustained-departure rule of the level_shift part finds drifts once they matter.',
    }),
    fast_alpha: Type.Number({
      default: 0.1,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Smoothing of the recent (deseasonalized) level.',
    }),
    slow_samples: Type.Integer({
      default: 288,
      minimum: 10,
      description: 'Memory of the reference level, in samples (about one day at 5-minute sampling).',
    }),
    level_enabled: Type.Boolean({
      default: true,
      description:
        'On by default (independent of `enabled`): a short average of the deseasonalized series judged against the levels the series held over its long past, high and low apart, joining the drift part. It finds drifts and trends on series whose baseline follows them (a sensor, a slow process) and levels a series has not been at for days. Development corpus: tuning half 74.2 to 75.1, held-out 73.9 to 76.2 (standard).',
    }),
    level_alpha: Type.Number({
      default: 0.05,
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        'Smoothing of the short average (0.05: about 40 samples of memory; 0.02 and 0.1 scored 0.1 lower on the tuning half).',
    }),
    level_stride: Type.Integer({
      default: 10,
      minimum: 1,
      description:
        'Its calibrators judge every level but remember one in this many samples, so their history spans this many times more of the past (5 scored alike, 20 lower on the tuning half).',
    }),
    level_warmup: Type.Integer({
      default: 1500,
      minimum: 0,
      description:
        'Samples before its score counts (its history of levels is short before: at 750 it raised 20 more false alarms on the tuning half; 1000 and 1200 scored 74.7 and 74.9 against 75.1, 2000 alike).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DriftConfig = Static<typeof DriftConfig>;

/** Every key at its schema default. */
export const defaultDriftConfig = Value.Default(DriftConfig, {}) as DriftConfig;
