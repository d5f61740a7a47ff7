import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const SpikeConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    direction: Type.Union([Type.Literal('both'), Type.Literal('up'), Type.Literal('down')], {
      default: 'both',
      description: 'Which departures count: both, only rises (traffic, bytes) or only drops.',
    }),
    step_check: Type.Boolean({
      default: true,
      description:
        'Also require the step from the previous sample to be unusual, in the same direction: a random walk that wandered from a lagging baseline is then not a spike.',
    }),
    step_gate: Type.Boolean({
      default: true,
      description:
        'With step_check: the step only gates (z decides once the step is unusual at all, beyond 1 in 100) instead of the smaller of the two scores.',
    }),
    tail: Type.Union([Type.Literal('exponential'), Type.Literal('pareto')], {
      default: 'exponential',
      description:
        'Tail its calibrators model (overrides calibration.tail for this part): pareto is heavier, for series with benign outliers of every size.',
    }),
    burst_memory: Type.Integer({
      default: 64,
      minimum: 0,
      maximum: 1024,
      description:
        "Past alarming spikes remembered per direction, over the series' whole life (0: off). A spike no larger than one of them is judged by how often such bursts came (bursts ÷ samples seen), not by the calibration history alone: benign recurring bursts stop alarming. On the development corpus it raised both halves on all three profiles.",
    }),
    burst_admit_surprise: Type.Number({
      default: 4,
      minimum: 0,
      description:
        'Surprise (−log10 tail probability) from which a spike enters the burst memory: 4 is where the stack reports (score 0.5 between the calibration floor 2 and ceiling 6); 3 scored the same on the tuning half.',
    }),
    burst_tail_threshold: Type.Number({
      default: 6,
      minimum: 0,
      description:
        "Peaks over threshold over the series' whole life (0: off): each excursion of z beyond this many scales is remembered (count and mean excess, per direction), and a spike is judged at most as surprising as that exponential tail makes it ((excursions ÷ samples) · exp(−excess ÷ mean excess)): bursts of a size the series has shown before stop alarming, a departure far larger in kind still does.",
    }),
    burst_tail_min_peaks: Type.Integer({
      default: 2,
      minimum: 1,
      description:
        'Excursions seen before the burst tail bounds a spike (a series that never burst keeps its calibrated score).',
    }),
    step_alpha: Type.Number({
      default: 0.02,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Smoothing of the typical step size (mean absolute step, updated with clipped steps).',
    }),
    dip_return_samples: Type.Integer({
      default: 12,
      minimum: 0,
      maximum: 256,
      description:
        'Longest dip (samples) judged as a dip and return: a stretch below the samples on both sides of it, in mean absolute steps, calibrated on its own and joining the spike part (0: off). It finds short dips on series that often drop without coming back (resets, collections, autoscaler steps). Development corpus, standard: tuning half 71.9 without it, 74.2 with 12 (16 the same, 8 lower by 0.1 and 0.9 held out; 4 samples 72.3 before the step-size fix).',
    }),
    dip_return_warmup: Type.Integer({
      default: 750,
      minimum: 0,
      description:
        'Samples before a dip and return counts in the stack (its calibration history is young before: at 60 it alarmed on uniform noise at sample 126).',
    }),
    dip_return_edge_z: Type.Number({
      default: 4,
      minimum: 0,
      description:
        "The lower edge of a dip must be ordinary: its z at most this (so the idle gap between two bursts of a bursty idle series is no dip). Without it the labeled fixtures' bursty idle series had 3 more false alarms; 3 lost a window on the tuning half.",
    }),
    dip_return_step_alpha: Type.Number({
      default: 0.01,
      exclusiveMinimum: 0,
      maximum: 1,
      description:
        'Smoothing of the mean absolute step that sizes a dip (0.02 scored higher on the tuning half but lower on low FP held out).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type SpikeConfig = Static<typeof SpikeConfig>;

/** Every key at its schema default. */
export const defaultSpikeConfig = Value.Default(SpikeConfig, {}) as SpikeConfig;
