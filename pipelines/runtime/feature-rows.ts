/**
 * Feature rows (one per source workload and window) of an access-log stream, for training the neural
 * model on baseline traffic. Runs the real pipeline so the rows are exactly what serving sees.
 */
import pino from 'pino';
import { EventClock } from '../core/clock.js';
import { Metrics } from '../core/metrics.js';
import { MemoryStateStore } from '../core/state-store.js';
import { defaultParseOptions, parseLine } from '../parse/index.js';
import { createPipeline, type PipelineConfig } from './pipeline.js';

export async function extractWorkloadRows(
  lines: AsyncIterable<string>,
  cfg: PipelineConfig,
): Promise<number[][]> {
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
