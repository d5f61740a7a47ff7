export {
  SeriesStackConfig,
  defaultSeriesStackConfig,
  seriesStackConfig,
  validateSeriesStackConfig,
  type DeepPartial,
} from './config.js';
export { SeriesDetector, STACK_PARTS, type SeriesScore, type StackPart } from './series-stack.js';
