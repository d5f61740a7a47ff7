/**
 * The assembly of `score-series`, apart from assemble.ts so that scoring one CSV series loads the series
 * stack alone, not the parsers, detectors and responders of the access-log pipeline.
 */
import pino from 'pino';
import { EventClock } from '../../pipelines/core/clock.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';
import {
  defaultSeriesStackConfig,
  factory as seriesStack,
  type SeriesDetector,
} from '../../models/statistical/series-stack/index.js';

/**
 * `score-series`: the registry's `series_stack` detector on its defaults, the same stack the mesh-metric
 * path runs per series. It keeps its state in memory and reads time from the samples, so it needs none of
 * the settings beyond a quiet logger.
 */
export function assembleSeriesDetector(): SeriesDetector {
  const clock = new EventClock();
  return seriesStack.create(defaultSeriesStackConfig, {
    logger: pino({ level: 'silent' }),
    clock,
    metrics: new Metrics(),
    state: new MemoryStateStore(() => clock.nowMs()),
  });
}
