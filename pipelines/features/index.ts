/** Windowed features per entity: the public face of this folder. */
import pino from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { parseLine, defaultParseOptions } from '../parse/index.js';
import { EventClock } from '../core/clock.js';
import { Metrics } from '../core/metrics.js';
import { createPipeline } from '../runtime/pipeline.js';
import { MemoryStateStore } from '../core/state-store.js';

export { WORKLOAD_FEATURES, workloadRow } from './row.js';
export { WindowAggregator, SourceWindow, type ClosedWindow } from './window.js';
export { EntityState } from './entity-state.js';
export { pathTemplate } from './path-template.js';

/**
 * Feature rows (one per source workload and window) of an access-log stream, for training the neural
 * model on baseline traffic. Runs the real pipeline so the rows are exactly what serving sees.
 */
export async function extractWorkloadRows(
  lines: AsyncIterable<string>,
  windowSecs: number,
): Promise<number[][]> {
  const cfg = resolveConfig({ windowing: { window_secs: windowSecs }, log_level: 'silent' });
  const clock = new EventClock();
  const rows: number[][] = [];
  const pipeline = createPipeline(
    cfg,
    {
      logger: pino({ level: 'silent' }),
      clock,
      metrics: new Metrics(),
      state: new MemoryStateStore(() => clock.nowMs()),
    },
    async (incident) => incident,
    {
      onFeatures: (batch) => {
        for (const r of batch) rows.push(r.row);
        return [];
      },
    },
  );
  for await (const line of lines) {
    if (line.length === 0) continue;
    parseLine(line, 'auto', defaultParseOptions, (r) => {
      if (!r.ok) return;
      clock.advance(r.event.timeMs);
      pipeline.push(r.event);
    });
  }
  pipeline.finish();
  await pipeline.drain();
  return rows;
}
