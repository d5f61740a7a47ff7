// A cardinality flood through the scorer as `meshguard serve` builds it (assemble + BatchScorer, embedded
// state store, the console's history kept): real workloads talk steadily, then N distinct mTLS identities
// each send one Istio JSON record, then one real workload path-scans a service. Reports the heap the
// flood left (forced GC), the bound the config implies, and whether the attacker was still found.
//   node --expose-gc bench/flood.js [--identities 1000000] [--max-entities 200000]
// With --max-entities above --identities nothing is evicted, and bytesPerEntity is the heap one tracked
// identity costs through the whole serve path (parse, scorer, pipeline, snapshots).
import { args, dist, report, round } from './lib.js';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const opt = args();
const identities = Number(opt.identities ?? 1_000_000);
const maxEntities = Number(opt['max-entities'] ?? 200_000);
const { assemble } = await dist('services/assembly/assemble.js');
const { BatchScorer } = await dist('services/scorer/batch-scorer.js');
const { resolveConfig } = await dist('config/validate.js');
const { EventClock } = await dist('pipelines/core/clock.js');
const { Metrics } = await dist('pipelines/core/metrics.js');
const { parseOptionsOf } = await dist('pipelines/parse/index.js');
const { default: pino } = await import('pino');

function heap() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const cfg = resolveConfig({
  log_level: 'silent',
  windowing: { max_entities: maxEntities },
  // Sized like the entity cap, as the hardening checklist says (one binding per pod).
  addresses: { max_bindings: maxEntities },
  alerts: { channels: [] },
  quarantine: { sink: 'none' },
});
const T0 = Date.parse('2026-11-02T08:00:00Z');
const SEC = 1000;
const REAL = ['frontend', 'checkout', 'cart', 'search', 'recommend'];
const principal = (ns, sa) => `spiffe://cluster.local/ns/${ns}/sa/${sa}`;
const SERVICES = ['catalog', 'orders', 'payments'];
const ATTACKER = principal('shop', 'frontend');

function line(timeMs, src, i, dst, path, status) {
  return JSON.stringify({
    start_time: new Date(timeMs).toISOString(),
    method: 'GET',
    path,
    protocol: 'HTTP/1.1',
    response_code: status,
    response_flags: '-',
    bytes_received: 300,
    bytes_sent: status === 200 ? 2000 : 40,
    duration: 5,
    upstream_service_time: '4',
    x_forwarded_for: '-',
    user_agent: 'Go-http-client/1.1',
    request_id: '-',
    authority: `${dst}.shop.svc.cluster.local:8080`,
    upstream_host: '10.0.0.5:8080',
    upstream_cluster: 'inbound|8080||',
    downstream_remote_address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:51234`,
    downstream_local_address: '10.0.0.5:8080',
    downstream_peer_uri_san: src,
    requested_server_name: '-',
    route_name: 'default',
  });
}

const metrics = new Metrics();
const incidents = [];
const clock = new EventClock();
const scoring = await assemble(cfg, {
  eventClock: clock,
  logger: pino({ level: 'silent' }),
  metrics,
  keepHistory: true,
  onIncident: (incident) => void incidents.push(incident),
});
const dlq = { send: async () => undefined, ready: () => true };
const scorer = new BatchScorer({
  cfg,
  pipeline: scoring.pipeline,
  state: scoring.settings.state,
  producer: dlq,
  metrics,
  logger: pino({ level: 'silent' }),
  parseOptions: parseOptionsOf(cfg),
});

let offset = 0;
let batch = [];
async function send(value) {
  batch.push({
    topic: cfg.kafka.topics.access_logs,
    partition: offset % 4,
    offset: String(offset++),
    key: null,
    value,
  });
  if (batch.length < 1000) return;
  const records = batch;
  batch = [];
  await scorer.handle(records);
  await scorer.afterCommit(); // as the consumer does after each committed batch: snapshots written
}
/** Every real workload calls each service twice a second from `fromMs` to `toMs`. */
function* steady(fromMs, toMs) {
  for (let t = fromMs; t < toMs; t += 500)
    for (let w = 0; w < REAL.length; w++)
      for (const dst of SERVICES)
        yield [t + w, line(t + w, principal('shop', REAL[w]), w, dst, '/api/items', 200)];
}

// 1. Five minutes of steady traffic: every real workload learns its baseline.
const learnedMs = T0 + 300 * SEC;
for (const [, l] of steady(T0, learnedMs)) await send(l);
const before = heap();

// 2. The flood: one record each from `identities` distinct principals over three minutes, the real
// workloads still talking.
const floodMs = 180 * SEC;
let s = steady(learnedMs, learnedMs + floodMs);
let next = s.next();
for (let i = 0; i < identities; i++) {
  const t = learnedMs + Math.floor((i / identities) * floodMs);
  while (!next.done && next.value[0] <= t) {
    await send(next.value[1]);
    next = s.next();
  }
  await send(line(t, principal('flood', `id-${i}`), i + 16, 'catalog', '/api/items', 200));
}
while (!next.done) {
  await send(next.value[1]);
  next = s.next();
}
const afterFlood = heap();

// 3. The real attack: frontend probes 200 paths that do not exist, while everyone keeps talking.
const attackAt = learnedMs + floodMs;
s = steady(attackAt, attackAt + 60 * SEC);
next = s.next();
for (let i = 0; i < 200; i++) {
  const t = attackAt + i * 100;
  while (!next.done && next.value[0] <= t) {
    await send(next.value[1]);
    next = s.next();
  }
  await send(line(t, ATTACKER, 1, 'catalog', `/.env${i}`, 404));
}
while (!next.done) {
  await send(next.value[1]);
  next = s.next();
}
if (batch.length) {
  await scorer.handle(batch);
  await scorer.afterCommit();
}
scoring.pipeline.finish();
await scoring.pipeline.drain();
const after = heap();

const evicted = (await metrics.entitiesEvicted.get()).values[0]?.value ?? 0;
const overflow = (await metrics.windowOverflow.get()).values[0]?.value ?? 0;
const bound = before + (maxEntities + 2 * cfg.windowing.max_window_sources) * 1024;
const found = incidents.find((i) => i.kind === 'scanning' && i.workload.principal === ATTACKER);
const tracked = scoring.pipeline.stats.entities;
report({
  identities,
  maxEntities,
  entitiesTracked: tracked,
  entitiesEvicted: evicted,
  windowOverflowEvents: overflow,
  heapBeforeFloodMiB: round(before / 2 ** 20, 1),
  heapAfterFloodMiB: round(afterFlood / 2 ** 20, 1),
  heapAfterAttackMiB: round(after / 2 ** 20, 1),
  // Once every window has closed, the heap over the entities left tracked: the cost of one tracked
  // identity, all included (right after the flood the open windows still hold their one-shot sources).
  bytesPerEntity: round((after - before) / Math.max(1, tracked)),
  // What the config implies: the heap before the flood, max_entities identities at the 1 KiB target, and
  // the two open windows holding at most max_window_sources one-shot sources each (about 1 KiB each).
  heapBoundMiB: round(bound / 2 ** 20, 1),
  withinBound: afterFlood <= bound && after <= bound,
  attackerFound: found !== undefined,
  attackerSeverity: found?.severity ?? null,
});
await scoring.shutdown();
export { scoring };
