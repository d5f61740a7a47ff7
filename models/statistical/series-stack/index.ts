/**
 * The `series_stack` detector component: the metric detector stack on one univariate series. Its parts
 * (../seasonal, ../spike, ../cusum, ../variance, ../drift, ../calibration) are building blocks configured
 * inside its config, not components of their own.
 */
import type { Factory } from '../../../pipelines/core/component.js';
import { SeriesStackConfig, validateSeriesStackConfig } from './config.js';
import { SeriesDetector } from './series-stack.js';

export {
  SeriesStackConfig,
  defaultSeriesStackConfig,
  seriesStackConfig,
  validateSeriesStackConfig,
  type DeepPartial,
} from './config.js';
export {
  SeriesDetector,
  STACK_PARTS,
  WINDOW_PARTS,
  type SeriesScore,
  type StackPart,
} from './series-stack.js';

/** One SeriesDetector per series: it keeps that series' state in memory and reads time from the samples. */
export const factory: Factory<'detector', typeof SeriesStackConfig, SeriesDetector> = {
  kind: 'detector',
  type: 'series_stack',
  configSchema: SeriesStackConfig,
  validate: validateSeriesStackConfig,
  create(config) {
    return new SeriesDetector(config);
  },
};
