// In-process replay throughput: parse + score Istio JSON lines, against the bare cost of JSON.parse on the
// same lines in the same process. Rounds alternate (baseline, subject, baseline, ...) so machine noise hits
// both alike; each figure is the median over rounds, after one warm-up round of each.
//   node bench/replay.js --input FILE [--rounds 7]
import { readFileSync } from 'node:fs';
import { args, dist, median, report, round } from './lib.js';

const opt = args();
const rounds = Number(opt.rounds ?? 7);
const { parseLine, parseOptionsOf } = await dist('pipelines/parse/index.js');
const { createPipeline } = await dist('pipelines/runtime/pipeline.js');
const { WINDOW_DETECTORS } = await dist('pipelines/registry/window-detectors.js');
const { resolveConfig } = await dist('config/validate.js');
const { EventClock } = await dist('pipelines/core/clock.js');
const { Metrics } = await dist('pipelines/core/metrics.js');
const { MemoryStateStore } = await dist('pipelines/core/state-store.js');
const { default: pino } = await import('pino');

const text = readFileSync(opt.input, 'utf8');
const lines = text.split('\n').filter((l) => l.length > 0);
const cfg = resolveConfig({ log_level: 'silent' });
const parseOpts = parseOptionsOf(cfg);
const logger = pino({ level: 'silent' });

// Baseline: what any consumer of these lines must pay at least.
function bare() {
  let n = 0;
  for (let i = 0; i < lines.length; i++) if (JSON.parse(lines[i]) !== null) n++;
  return n;
}

function parseOnly() {
  let n = 0;
  const emit = (r) => {
    if (r.ok) n++;
  };
  for (let i = 0; i < lines.length; i++) parseLine(lines[i], 'istio-json', parseOpts, emit);
  return n;
}

let incidents = 0;
function replay() {
  const clock = new EventClock();
  const settings = {
    logger,
    clock,
    metrics: new Metrics(),
    state: new MemoryStateStore(() => clock.nowMs()),
  };
  const pipeline = createPipeline(
    cfg,
    settings,
    async (incident) => {
      incidents++;
      JSON.stringify(incident);
      return incident;
    },
    { detectors: WINDOW_DETECTORS },
  );
  let n = 0;
  const emit = (r) => {
    if (!r.ok) return;
    n++;
    clock.advance(r.event.timeMs);
    pipeline.push(r.event);
  };
  for (let i = 0; i < lines.length; i++) parseLine(lines[i], 'auto', parseOpts, emit);
  pipeline.finish();
  return n;
}

const subjects = { bare, parseOnly, replay };
const rates = { bare: [], parseOnly: [], replay: [] };
const ratios = { parseOnly: [], replay: [] };
for (let r = 0; r <= rounds; r++) {
  const perRound = {};
  for (const [name, fn] of Object.entries(subjects)) {
    const t = process.hrtime.bigint();
    const n = fn();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    perRound[name] = n / s;
  }
  if (r === 0) continue; // warm-up
  for (const k of Object.keys(rates)) rates[k].push(perRound[k]);
  ratios.parseOnly.push(perRound.parseOnly / perRound.bare);
  ratios.replay.push(perRound.replay / perRound.bare);
}

report({
  lines: lines.length,
  rounds,
  bareJsonParsePerSec: round(median(rates.bare)),
  parseOnlyPerSec: round(median(rates.parseOnly)),
  replayPerSec: round(median(rates.replay)),
  // Median of the per-round ratios: each ratio compares two runs taken seconds apart.
  parseRatio: round(median(ratios.parseOnly), 3),
  replayRatio: round(median(ratios.replay), 3),
  incidentsPerRun: incidents / (rounds + 1),
});
