// In-process replay throughput: parse + score Istio JSON lines, against the bare cost of JSON.parse on the
// same lines in the same process. Rounds alternate (baseline, subject, baseline, ...) so machine noise hits
// both alike; each figure is the median over rounds, after one warm-up round of each. The replay runs
// twice per round, with request_content's request model on (the default) and off, side by side: the
// model's cost is the ratio of the two, measured in the same rounds.
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
// Everything else the same: only the request model of request_content is off (its grammar checks stay).
const cfgNoModel = resolveConfig({
  log_level: 'silent',
  detectors: { request_content: { model: { enabled: false } } },
});
if (!cfg.detectors.request_content.model.enabled) throw new Error('the default config has no request model');
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

const incidents = { on: 0, off: 0 };
function replayWith(config, model) {
  const clock = new EventClock();
  const settings = {
    logger,
    clock,
    metrics: new Metrics(),
    state: new MemoryStateStore(() => clock.nowMs()),
  };
  const pipeline = createPipeline(
    config,
    settings,
    async (incident) => {
      incidents[model]++;
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

const replay = () => replayWith(cfg, 'on');
const replayNoModel = () => replayWith(cfgNoModel, 'off');
const subjects = { bare, parseOnly, replay, replayNoModel };
const rates = { bare: [], parseOnly: [], replay: [], replayNoModel: [] };
const ratios = { parseOnly: [], replay: [], modelOnToOff: [] };
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
  ratios.modelOnToOff.push(perRound.replay / perRound.replayNoModel);
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
  replayNoRequestModelPerSec: round(median(rates.replayNoModel)),
  // Replay events/s with the request model on / off, per round (each pair seconds apart), median.
  requestModelThroughputRatio: round(median(ratios.modelOnToOff), 3),
  requestModelThroughputRatioRange: [
    round(Math.min(...ratios.modelOnToOff), 3),
    round(Math.max(...ratios.modelOnToOff), 3),
  ],
  incidentsPerRun: incidents.on / (rounds + 1),
  incidentsPerRunNoRequestModel: incidents.off / (rounds + 1),
});
