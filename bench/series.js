// Metric-series scoring cost: rows per CPU-second through one series detector stack per series (what
// `score-series` and the mesh-metrics path run on every sample). Target: >= 100,000 rows/s per core.
//   node bench/series.js [--rounds 5]
import { args, dist, median, report, round } from './lib.js';

const opt = args();
const rounds = Number(opt.rounds ?? 5);
const { developmentCorpus } = await dist('services/eval/series/corpus.js');
const { SeriesDetector } = await dist('models/statistical/series-stack/index.js');

const corpus = developmentCorpus(1).slice(0, 20);
const rows = corpus.reduce((t, s) => t + s.values.length, 0);
function scoreAll() {
  let sink = 0;
  for (const s of corpus) {
    const d = new SeriesDetector();
    for (let i = 0; i < s.values.length; i++) sink += d.update(s.times[i], s.values[i]).score;
  }
  return sink;
}
scoreAll(); // warm up the JIT
const rates = [];
for (let r = 0; r < rounds; r++) {
  const cpu0 = process.cpuUsage();
  scoreAll();
  const cpu = process.cpuUsage(cpu0);
  rates.push(rows / ((cpu.user + cpu.system) / 1e6));
}
report({ rounds, rowsPerRound: rows, series: corpus.length, rowsPerCpuSecond: round(median(rates)) });
