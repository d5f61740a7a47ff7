// Simulator throughput: records generated per CPU-second (the demo and `meshguard simulate` must stay far
// ahead of the pipeline they feed). CPU time, not wall time, median over rounds after a JIT warm-up.
//   node bench/simulator.js [--rounds 7]
import { args, dist, median, report, round } from './lib.js';

const opt = args();
const rounds = Number(opt.rounds ?? 7);
const { MeshSimulator } = await dist('pipelines/sources/simulator/simulator.js');

const START = Date.UTC(2026, 10, 2, 9, 0, 0);
const sim = new MeshSimulator({ seed: 1, startMs: START });
let n = 0;
sim.generate(START, START + 30_000, () => n++); // warm up the JIT
const rates = [];
for (let r = 0; r < rounds; r++) {
  n = 0;
  const from = START + 30_000 + r * 100_000;
  const cpu0 = process.cpuUsage();
  sim.generate(from, from + 100_000, () => n++);
  const cpu = process.cpuUsage(cpu0);
  rates.push(n / ((cpu.user + cpu.system) / 1e6));
}
report({ rounds, recordsPerRound: n, recordsPerCpuSecond: round(median(rates)) });
