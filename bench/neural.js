// Neural scoring throughput: AutoencoderDetector.scoreBatch over N feature rows (one window's worth of
// workloads scored in one call), on a small model fitted to synthetic baseline rows first.
//   node bench/neural.js [--rows 10000] [--rounds 7]
import { args, dist, median, report, round } from './lib.js';

const opt = args();
const rows = Number(opt.rows ?? 10_000);
const rounds = Number(opt.rounds ?? 7);
const { AutoencoderDetector } = await dist('models/neural/autoencoder/index.js');
const { WORKLOAD_FEATURES } = await dist('pipelines/features/row.js');
const { default: pino } = await import('pino');

// Deterministic rows that look like a window per workload (counts, ratios, bytes).
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
function row() {
  const requests = 20 + Math.floor(rand() * 200);
  return WORKLOAD_FEATURES.map((name) => {
    if (name === 'requests') return requests;
    if (name.startsWith('ratio_')) return rand() * 0.05;
    if (name.startsWith('bytes') || name.endsWith('bytes_up')) return Math.floor(rand() * 1e6);
    if (name === 'mean_duration_ms') return 5 + rand() * 50;
    return Math.floor(rand() * 10);
  });
}

const detector = await AutoencoderDetector.create({
  logger: pino({ level: 'silent' }),
  config: { epochs: 3 },
});
await detector.fit(Array.from({ length: 2000 }, row));
const batch = Array.from({ length: rows }, row);
const rates = [];
for (let r = 0; r <= rounds; r++) {
  const t = process.hrtime.bigint();
  const scores = detector.scoreBatch(batch);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (scores.length !== rows) throw new Error('scoreBatch returned the wrong number of scores');
  if (r > 0) rates.push(rows / s);
}
report({
  backend: detector.backend,
  rows,
  rounds,
  rowsPerSec: round(median(rates)),
  msPerBatch: round((rows / median(rates)) * 1000, 1),
});
