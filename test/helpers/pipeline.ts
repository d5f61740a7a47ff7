/** Runs the scoring pipeline over events in event time and collects the incidents it raises. */
import pino from 'pino';
import { resolveConfig } from '../../config/validate.js';
import type { MeshguardConfig } from '../../config/schema.js';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident } from '../../pipelines/core/incident.js';
import type { EventOrigin, ScoringPipeline } from '../../pipelines/core/pipeline.js';
import { EventClock } from '../../pipelines/core/clock.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { WINDOW_DETECTORS } from '../../pipelines/registry/window-detectors.js';
import { createPipeline } from '../../pipelines/runtime/pipeline.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';

export async function runEvents(
  events: Iterable<MeshEvent>,
  overrides: Record<string, unknown> = {},
  /** Kafka mode: where each event came from (its partition's clock); replay's one clock when undefined. */
  originOf?: (event: MeshEvent, index: number) => EventOrigin,
  hooks: {
    /** Each incident as it is raised (before the input ends, unlike the result). */
    onIncident?: (incident: Incident) => void;
    /** After each event is pushed (watermark markers, say). */
    afterEach?: (pipeline: ScoringPipeline, event: MeshEvent) => void;
    /** False: leave the open windows open at the end (what the clocks closed is all there is). */
    finish?: boolean;
  } = {},
): Promise<{ incidents: Incident[]; cfg: MeshguardConfig; metrics: Metrics; lateEvents: number }> {
  const cfg = resolveConfig(overrides);
  const clock = new EventClock();
  const metrics = new Metrics();
  const incidents: Incident[] = [];
  const pipeline = createPipeline(
    cfg,
    { logger: pino({ level: 'silent' }), clock, metrics, state: new MemoryStateStore(() => clock.nowMs()) },
    async (incident) => {
      incidents.push(incident);
      hooks.onIncident?.(incident);
      return incident;
    },
    { detectors: WINDOW_DETECTORS },
  );
  let i = 0;
  for (const e of events) {
    clock.advance(e.timeMs);
    pipeline.push(e, originOf?.(e, i++));
    hooks.afterEach?.(pipeline, e);
  }
  if (hooks.finish !== false) pipeline.finish();
  await pipeline.drain();
  return { incidents, cfg, metrics, lateEvents: pipeline.stats.lateEvents };
}
