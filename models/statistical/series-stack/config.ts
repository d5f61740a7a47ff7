/**
 * Config of the metric detector stack on one series. Its parts (seasonal baseline, spike, CUSUM,
 * variance, drift, calibration) are building blocks, each configured by its own section here.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ArtConfig, validateArtConfig } from '../art/config.js';
import { CalibrationConfig, validateCalibrationConfig } from '../calibration/config.js';
import { ChangepointConfig, validateChangepointConfig } from '../changepoint/config.js';
import { ContextualConfig } from '../contextual/config.js';
import { CusumConfig } from '../cusum/config.js';
import { DriftConfig } from '../drift/config.js';
import { FlatlineConfig } from '../flatline/config.js';
import { LikelihoodConfig, validateLikelihoodConfig } from '../likelihood/config.js';
import { RelativeEntropyConfig } from '../relative-entropy/config.js';
import { SeasonalConfig } from '../seasonal/config.js';
import { SpectralConfig, validateSpectralConfig } from '../spectral/config.js';
import { SpikeConfig } from '../spike/config.js';
import { VarianceConfig } from '../variance/config.js';

export const SeriesStackConfig = Type.Object(
  {
    warmup_samples: Type.Integer({
      default: 60,
      minimum: 0,
      description: 'Samples learned from before any score above 0 is reported.',
    }),
    calibration_start: Type.Integer({
      default: 150,
      minimum: 1,
      description:
        "Samples the baseline sees before raw scores enter the calibration history. Its first samples' residuals are start-up transients (z of 10 to 40 while its level and scale settle); in the history they made every anomaly of a series' first thousand samples look ordinary. With the calibrators' young-tail widening, 150 against 12 raised the development corpus from 48.1 to 57.4 (tuning half) and 56.4 to 64.7 (held-out) on the standard profile.",
    }),
    refractory_samples: Type.Integer({
      default: 150,
      minimum: 0,
      description:
        'After a sample scores at least refractory_score, this many following samples stay quiet unless refractory_margin allows a stronger score (one change, one detection). 150 scored best on the development corpus; 80 and 300 scored lower on both of its halves.',
    }),
    refractory_score: Type.Number({
      default: 0.5,
      minimum: 0,
      maximum: 1,
      description: 'Score from which a sample starts a refractory period.',
    }),
    refractory_margin: Type.Number({
      default: 1,
      minimum: 0,
      maximum: 1,
      description:
        'Inside a refractory period a score is reported only when it beats the one that started it by this much (1: never; 0: whenever stronger).',
    }),
    agreement_bonus: Type.Number({
      default: 0.4,
      minimum: 0,
      maximum: 1,
      description:
        'The largest part of the other family (window parts against residual parts) adds this fraction of its score to the largest part. 0.4 scored best on the tuning half (0.2, 0.6 and 0.8 lower).',
    }),
    agreement_below: Type.Number({
      default: 0.6,
      minimum: 0,
      maximum: 1,
      description:
        'A fused score below this stands only when the other family scores at least agreement_level (0: off). 0.7 scored lower on the tuning half.',
    }),
    agreement_level: Type.Number({
      default: 0.05,
      minimum: 0,
      maximum: 1,
      description:
        'Score the other family must reach to confirm a fused score below agreement_below (0.1 scored lower on the tuning half).',
    }),
    agreement_decay: Type.Number({
      default: 0.98,
      minimum: 0,
      maximum: 0.999,
      description:
        "Agreement reads the other family's largest part held over recent samples, decaying by this factor per sample (0: the current sample only). On the tuning half 0.97 and 0.98 scored 70.5, 0.99 70.3, 0.95 69.3, 0 69.6.",
    }),
    agreement_persist_level: Type.Number({
      default: 0.4,
      minimum: 0,
      maximum: 1,
      description:
        'While the window family is not complete (fuzzy ART or relative entropy still learning), a residual part that reached this score within agreement_persist_samples before also counts as agreement (0: off). On the tuning half 0.45 gained nothing (the window gained had 0.41 before 0.59).',
    }),
    agreement_persist_samples: Type.Integer({
      default: 1,
      minimum: 1,
      description:
        'How recent that earlier score must be, in samples (1: the previous sample; 3 scored alike on the tuning half).',
    }),
    return_departure: Type.Number({
      default: 4,
      minimum: 0,
      description:
        'A sample right after one whose |z| exceeded this, and itself ordinary (|z| below return_ordinary), gets no fuzzy ART score: its window holds the departure the residual parts already judged (0: off). On the tuning half 4 and 6 scored alike; 3 lower.',
    }),
    return_ordinary: Type.Number({
      default: 2.5,
      minimum: 0,
      description:
        '|z| below which a sample counts as back to ordinary for return_departure (1.5 scored lower).',
    }),
    noisy_episodes: Type.Integer({
      default: 2,
      minimum: 0,
      description:
        "After this many separate alarms of one part in one direction on a series (its score reaching refractory_score, reported or not), that part's scores in that direction need noisy_score to reach refractory_score: the series' own alarm record raises the bar for a part that keeps alarming there (0: off). Rises and drops count apart. On the tuning half 3 scored 62.2 and 1 61.4 (four windows lost) against 62.6 for 2; rises and drops counted together lost windows on the held-out half.",
    }),
    noisy_score: Type.Number({
      default: 0.8,
      minimum: 0,
      maximum: 0.99,
      description:
        'Score a noisy part (see noisy_episodes) must reach to alarm; its scores are mapped continuously (below it scaled by refractory_score / noisy_score, above it linearly up to 1). No effect at or below refractory_score. On the tuning half 0.7 and 0.9 scored 62.4 and 62.0 against 62.6.',
    }),
    seasonal: SeasonalConfig,
    spike: SpikeConfig,
    cusum: CusumConfig,
    variance: VarianceConfig,
    drift: DriftConfig,
    changepoint: ChangepointConfig,
    likelihood: LikelihoodConfig,
    contextual: ContextualConfig,
    relative_entropy: RelativeEntropyConfig,
    art: ArtConfig,
    flatline: FlatlineConfig,
    spectral: SpectralConfig,
    calibration: CalibrationConfig,
  },
  { additionalProperties: false, default: {} },
);
export type SeriesStackConfig = Static<typeof SeriesStackConfig>;

/** Every key at its schema default, parts included. */
export const defaultSeriesStackConfig = Value.Default(SeriesStackConfig, {}) as SeriesStackConfig;

/** Deep-merge partial overrides over the defaults (config files give only what they change). */
export function seriesStackConfig(overrides: DeepPartial<SeriesStackConfig> = {}): SeriesStackConfig {
  const d = defaultSeriesStackConfig;
  return {
    warmup_samples: overrides.warmup_samples ?? d.warmup_samples,
    calibration_start: overrides.calibration_start ?? d.calibration_start,
    refractory_samples: overrides.refractory_samples ?? d.refractory_samples,
    refractory_score: overrides.refractory_score ?? d.refractory_score,
    refractory_margin: overrides.refractory_margin ?? d.refractory_margin,
    agreement_bonus: overrides.agreement_bonus ?? d.agreement_bonus,
    agreement_below: overrides.agreement_below ?? d.agreement_below,
    agreement_level: overrides.agreement_level ?? d.agreement_level,
    agreement_decay: overrides.agreement_decay ?? d.agreement_decay,
    agreement_persist_level: overrides.agreement_persist_level ?? d.agreement_persist_level,
    agreement_persist_samples: overrides.agreement_persist_samples ?? d.agreement_persist_samples,
    return_departure: overrides.return_departure ?? d.return_departure,
    return_ordinary: overrides.return_ordinary ?? d.return_ordinary,
    noisy_episodes: overrides.noisy_episodes ?? d.noisy_episodes,
    noisy_score: overrides.noisy_score ?? d.noisy_score,
    seasonal: { ...d.seasonal, ...overrides.seasonal },
    spike: { ...d.spike, ...overrides.spike },
    cusum: { ...d.cusum, ...overrides.cusum },
    variance: { ...d.variance, ...overrides.variance },
    drift: { ...d.drift, ...overrides.drift },
    changepoint: { ...d.changepoint, ...overrides.changepoint },
    likelihood: { ...d.likelihood, ...overrides.likelihood },
    contextual: { ...d.contextual, ...overrides.contextual },
    relative_entropy: { ...d.relative_entropy, ...overrides.relative_entropy },
    art: { ...d.art, ...overrides.art },
    flatline: { ...d.flatline, ...overrides.flatline },
    spectral: { ...d.spectral, ...overrides.spectral },
    calibration: { ...d.calibration, ...overrides.calibration },
  };
}

/** The cross-field rules the schema cannot express; each message names the section and keys. */
export function validateSeriesStackConfig(c: SeriesStackConfig): string[] {
  return [
    ...validateCalibrationConfig(c.calibration).map((e) => `calibration: ${e}`),
    ...validateChangepointConfig(c.changepoint).map((e) => `changepoint: ${e}`),
    ...validateLikelihoodConfig(c.likelihood).map((e) => `likelihood: ${e}`),
    ...validateArtConfig(c.art).map((e) => `art: ${e}`),
    ...validateSpectralConfig(c.spectral).map((e) => `spectral: ${e}`),
  ];
}

/** Overrides one or two levels deep: a top-level key, or some keys of one part's section. */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
