import { Type, type Static } from '@sinclair/typebox';
import {
  CalibrationConfig,
  defaultCalibrationConfig,
  validateCalibrationConfig,
} from '../calibration/config.js';
import { CusumConfig, defaultCusumConfig } from '../cusum/config.js';
import { DriftConfig, defaultDriftConfig } from '../drift/config.js';
import { SeasonalConfig, defaultSeasonalConfig } from '../seasonal/config.js';
import { SpikeConfig, defaultSpikeConfig } from '../spike/config.js';
import { VarianceConfig, defaultVarianceConfig } from '../variance/config.js';

export const SeriesStackConfig = Type.Object(
  {
    warmup_samples: Type.Integer({
      default: 60,
      minimum: 0,
      description: 'Samples learned from before any score above 0 is reported.',
    }),
    calibration_start: Type.Integer({
      default: 12,
      minimum: 1,
      description:
        'Samples the baseline sees before raw scores enter the calibration history (its scale is unsettled before).',
    }),
    seasonal: SeasonalConfig,
    spike: SpikeConfig,
    cusum: CusumConfig,
    variance: VarianceConfig,
    drift: DriftConfig,
    calibration: CalibrationConfig,
  },
  { additionalProperties: false, default: {} },
);
export type SeriesStackConfig = Static<typeof SeriesStackConfig>;

export const defaultSeriesStackConfig: SeriesStackConfig = {
  warmup_samples: 60,
  calibration_start: 12,
  seasonal: defaultSeasonalConfig,
  spike: defaultSpikeConfig,
  cusum: defaultCusumConfig,
  variance: defaultVarianceConfig,
  drift: defaultDriftConfig,
  calibration: defaultCalibrationConfig,
};

/** Deep-merge partial overrides over the defaults (config files give only what they change). */
export function seriesStackConfig(overrides: DeepPartial<SeriesStackConfig> = {}): SeriesStackConfig {
  const d = defaultSeriesStackConfig;
  return {
    warmup_samples: overrides.warmup_samples ?? d.warmup_samples,
    calibration_start: overrides.calibration_start ?? d.calibration_start,
    seasonal: { ...d.seasonal, ...overrides.seasonal },
    spike: { ...d.spike, ...overrides.spike },
    cusum: { ...d.cusum, ...overrides.cusum },
    variance: { ...d.variance, ...overrides.variance },
    drift: { ...d.drift, ...overrides.drift },
    calibration: { ...d.calibration, ...overrides.calibration },
  };
}

export function validateSeriesStackConfig(c: SeriesStackConfig): string[] {
  return validateCalibrationConfig(c.calibration).map((e) => `calibration: ${e}`);
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
