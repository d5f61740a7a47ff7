// Memory per tracked entity: events from N distinct source workloads through the scoring pipeline, windows
// closed so each source has its baseline (EntityState), then a forced GC; heapUsed delta / entities.
//   node --expose-gc bench/memory.js [--entities 100000] [--windows 3]
import { args, dist, report, round } from './lib.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const opt = args();
const entities = Number(opt.entities ?? 100_000);
const windows = Number(opt.windows ?? 3);
const { createPipeline } = await dist('pipelines/runtime/pipeline.js');
const { WINDOW_DETECTORS } = await dist('pipelines/registry/window-detectors.js');
const { resolveConfig } = await dist('config/validate.js');
const { EventClock } = await dist('pipelines/core/clock.js');
const { Metrics } = await dist('pipelines/core/metrics.js');
const { MemoryStateStore } = await dist('pipelines/core/state-store.js');
const { emptyEvent } = await dist('pipelines/core/event.js');
const { default: pino } = await import('pino');

const cfg = resolveConfig({ log_level: 'silent' });
const windowMs = cfg.windowing.window_secs * 1000;
const t0 = Date.parse('2026-11-02T08:00:00Z');
const services = Array.from({ length: 40 }, (_, i) => `svc${i}.ns${i % 8}.svc.cluster.local`);
const namespaces = Array.from({ length: 8 }, (_, i) => `ns${i}`);
const paths = ['/api/orders', '/api/items', '/healthz', '/api/cart'];

// Typed arrays keep their contents outside the JS heap: count those bytes too.
function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
// Strings as a parser hands them over: flat, like JSON.parse's (a template literal makes a cons string).
const flat = (s) => JSON.parse(JSON.stringify(s));

const before = heap();
const clock = new EventClock();
const pipeline = createPipeline(
  cfg,
  {
    logger: pino({ level: 'silent' }),
    clock,
    metrics: new Metrics(),
    state: new MemoryStateStore(() => clock.nowMs()),
  },
  async (incident) => incident,
  { detectors: WINDOW_DETECTORS },
);
const base = emptyEvent();
for (let w = 0; w < windows; w++) {
  for (let i = 0; i < entities; i++) {
    const ev = { ...base };
    // Spread over the window so event time moves forward as in real traffic.
    ev.timeMs = t0 + w * windowMs + Math.floor((i / entities) * (windowMs - 1));
    ev.direction = 'outbound';
    ev.src = flat(`spiffe://cluster.local/ns/ns${i % 8}/sa/workload-${i}`);
    ev.srcPrincipal = ev.src;
    ev.srcNamespace = namespaces[i % 8];
    ev.srcServiceAccount = flat(`workload-${i}`);
    ev.srcAddress = flat(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    ev.dst = services[(i + w) % services.length];
    ev.method = 'GET';
    ev.path = paths[(i + w) % paths.length];
    ev.status = 200;
    ev.bytesUp = 300;
    ev.bytesDown = 2000;
    ev.durationMs = 5;
    ev.upstreamCluster = `outbound|8080||${ev.dst}`;
    clock.advance(ev.timeMs);
    pipeline.push(ev);
  }
}
pipeline.finish();
await pipeline.drain();
// A scorer snapshots its changed entities every few seconds, which empties this set; replay keeps none.
pipeline.takeDirtyEntities();
const tracked = pipeline.stats.entities;
const after = heap();
report({
  entitiesPushed: entities,
  windows,
  entitiesTracked: tracked,
  heapDeltaMiB: round((after - before) / 2 ** 20, 1),
  bytesPerEntity: round((after - before) / Math.max(1, tracked)),
});
// Keep the pipeline alive until after the measurement (and for heap snapshots taken by an importer).
export { pipeline };
if (pipeline.stats.events < 0) console.log('unreachable');
