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
    level_delay: Type.Integer({
      default: 70,
      minimum: 0,
      description:
        "Samples a remembered level waits before its calibrators learn it (0: at once; rounded to whole strides); while the stack's refractory period runs after a detection, levels are learned at once. A climb to a new level is judged against the levels held before it, not against its own first levels. With level_agree, development corpus (standard, fixed threshold): tuning half 67.5 to 68.2 (119 to 120 of 144 windows), held-out 71.9 to 73.0 (123 to 126 of 142); 50 / 100 samples scored 68.2 / 68.2 on the tuning half (without level_agree 30 / 50 / 70 / 100 / 200: 68.6 / 69.1 / 69.2 / 68.9 / 68.8).",
    }),
    level_agree: Type.Boolean({
      default: true,
      description:
        'A rare level counts only while the short slope (slope_samples) climbs towards it by at least slope_min scales (NaN while its window fills: no condition). With level_delay but without it: tuning half 69.2 standard, but alarms on clean series (a wandering cloud CPU, an error count, a memory series, the noisy CPU fixture, bursts of growing size on white noise); with the long slope instead: 69.0 and most of those alarms. Alone, without the delay: 67.2 tuning, 71.3 held out.',
    }),
    slope_samples: Type.Integer({
      default: 48,
      minimum: 0,
      description:
        "Local slope (0: off), joining the drift part: over a window of this many samples of the deseasonalized series, the newer half's mean minus the older half's, in scales, judged against the slopes the series has made (rises and falls apart). It finds trends and drifts the baseline follows, on young series too. Development corpus (standard): tuning half 60.4 to 62.0, held-out 69.5 to 69.9; 40 and 56 samples scored 60.9 and 60.8 on the tuning half (with a minimum of 1).",
    }),
    slope_stride: Type.Integer({
      default: 2,
      minimum: 1,
      description:
        'Its calibrators judge every slope but remember one in this many samples: 2 halves their cost (about 10% of the stack with 1) and scored alike on the tuning half (62.0 standard, 4 more false alarms); 3 / 4 scored lower (with a minimum of 1).',
    }),
    slope_min: Type.Number({
      default: 1.5,
      minimum: 0,
      description:
        'A slope smaller than this many scales scores 0 however rare it is for the series (a very steady series otherwise alarms on a slight wobble): 1 cut 3 false alarms on the tuning half and lost no window; 1.5 lost one.',
    }),
    slope_long_samples: Type.Integer({
      default: 144,
      minimum: 0,
      description:
        'Long local slope (0: off), joining the drift part: the same two-half slope over this many samples, judged by its own calibrators against the slopes the series makes at that horizon (a slow ramp the 48-sample window cannot tell from wobble). Development corpus (standard, fixed threshold): tuning half 65.8 to 66.2, held-out 71.0 to 71.9; 96 / 120 / 168 / 192 / 288 scored 65.8 / 65.7 / 66.5 / 66.4 / 65.9 on the tuning half (168 and 192 lost held out: 70.9 both).',
    }),
    slope_long_stride: Type.Integer({
      default: 8,
      minimum: 1,
      description:
        'Its calibrators judge every long slope but remember one in this many samples (neighbouring slopes share most of their window; a ramp feeds the history slowly): 2 / 4 / 6 / 12 / 16 scored 65.5 / 65.6 / 66.1 / 66.2 / 66.3 on the tuning half against 66.2, and lower held out.',
    }),
    slope_long_min: Type.Number({
      default: 1.5,
      minimum: 0,
      description:
        'A long slope smaller than this many scales scores 0 however rare it is for the series: 0.5 / 1 / 2 scored 66.2 / 66.1 / 66.2 on the tuning half (held out 71.9 / 71.9 / 71.5).',
    }),
    slope_long_delay: Type.Integer({
      default: 48,
      minimum: 0,
      description:
        "Samples a long slope waits before its calibrators remember it (0: at once; rounded to whole strides): a ramp is judged against the slopes the series made before it, not against its own first slopes. While the stack's refractory period runs after a detection, slopes are remembered at once (the change is reported). With slope_long_agree, development corpus (standard, fixed threshold): tuning half 66.2 to 67.5 (116 to 119 of 144 windows), held-out 71.9 both; 24 / 72 / 96 scored 67.0 / 67.4 / 67.5 on the tuning half.",
    }),
    slope_long_agree: Type.Boolean({
      default: true,
      description:
        'The long slope counts only while the short slope (slope_samples) goes the same way by at least slope_min scales: a step back after a drift, or a ramp that has ended, no longer counts. Without it the delay added about 20 false alarms on each half (tuning 67.1 with 72 samples); alone, without the delay, it lost two windows held out (71.0).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type DriftConfig = Static<typeof DriftConfig>;

/** Every key at its schema default. */
export const defaultDriftConfig = Value.Default(DriftConfig, {}) as DriftConfig;
