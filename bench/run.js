// `npm run bench`: every meshguard benchmark, each figure measured beside its baseline in the same run,
// medians over interleaved rounds. Prints a table and writes bench/results.json.
//   npm run build && npm run bench [-- --only replay,process,ingest,memory,flood,neural,simulator,series,kafka] [--quick]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT, args, dist, istioInput, median, round, runBench, runProcess } from './lib.js';

const opt = args();
const quick = opt.quick === true;
const only = typeof opt.only === 'string' ? new Set(opt.only.split(',')) : undefined;
const want = (name) => only === undefined || only.has(name);

await dist('services/cli/meshguard.js'); // fails early with "run npm run build first"
const input = await istioInput();
const results = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
  },
  input: { format: 'istio-json', source: 'meshguard simulator, seed 3, 50 services, 50 req/s, 33 min' },
  targets: {
    replayRatio: 0.5,
    processRatio: 0.5,
    ingestLinesPerSec: 50_000,
    bytesPerEntity: 1024,
    seriesRowsPerCpuSecond: 100_000,
    kafkaEventsPerSec: 50_000,
    kafkaLatencyP99BeyondWindowMs: 1000,
  },
};
const failures = [];
async function section(name, fn) {
  if (!want(name)) return;
  process.stderr.write(`bench: ${name}...\n`);
  try {
    results[name] = await fn();
  } catch (error) {
    results[name] = { error: error.message };
    failures.push(name);
  }
}

// 1. In-process: parse + score vs bare JSON.parse of the same lines.
await section('replay', () => runBench('replay.js', ['--input', input, '--rounds', quick ? '3' : '7']));

// 2. Whole process, start-up included: `meshguard replay` vs a bare `node -e` read + JSON.parse script.
const BARE =
  "const fs=require('fs');let n=0;for(const l of fs.readFileSync(process.argv[1],'utf8').split('\\n'))if(l){JSON.parse(l);n++}console.log(n)";
await section('process', async () => {
  const runs = quick ? 3 : 7;
  const bare = [];
  const replay = [];
  const ratios = [];
  const out = join(tmpdir(), 'meshguard-bench', 'incidents.jsonl');
  let summary;
  for (let i = 0; i <= runs; i++) {
    const b = await runProcess(process.execPath, ['-e', BARE, input]);
    const r = await runProcess(process.execPath, [
      join(ROOT, 'bin', 'meshguard.js'),
      'replay',
      '--input',
      input,
      '--incidents',
      out,
    ]);
    if (b.code !== 0 || r.code !== 0)
      throw new Error(`a run failed: bare ${b.code}, replay ${r.code}: ${r.stderr.slice(-300)}`);
    summary = JSON.parse(r.stdout.trim().split('\n').pop());
    if (i === 0) continue; // warm the page cache
    bare.push(b.seconds);
    replay.push(r.seconds);
    ratios.push(b.seconds / r.seconds);
  }
  const startup = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const s = await runProcess(process.execPath, [join(ROOT, 'bin', 'meshguard.js'), '--version']);
    startup.push(s.seconds);
  }
  return {
    runs,
    events: summary.events,
    incidents: summary.incidents,
    bareSeconds: round(median(bare), 3),
    replaySeconds: round(median(replay), 3),
    // throughput ratio = bare time / replay time (same lines, same machine, alternating runs)
    processRatio: round(median(ratios), 3),
    replayEventsPerSec: round(summary.events / median(replay)),
    cliStartupSeconds: round(median(startup), 3),
  };
});

// 3. Ingest over HTTP into the embedded bus and the scorer.
await section('ingest', () => runBench('ingest.js', ['--input', input, '--seconds', quick ? '5' : '10']));

// 4. Memory per tracked entity.
await section('memory', () => runBench('memory.js', ['--entities', '100000'], ['--expose-gc']));

// 4b. Through the serve path (parse, scorer, pipeline, address bindings, console history): the heap one
// tracked identity costs (nothing evicted), then a flood of one million identities at the default entity
// cap followed by a real path scan (the heap it leaves, and whether the scan is found).
await section('flood', async () => ({
  perEntity: await runBench(
    'flood.js',
    ['--identities', '100000', '--max-entities', '1000000'],
    ['--expose-gc'],
  ),
  million: await runBench('flood.js', ['--identities', quick ? '300000' : '1000000'], ['--expose-gc']),
}));

// 5. Neural scoring.
await section('neural', () => runBench('neural.js', ['--rows', '10000']));

// 6. The simulator that feeds the demo and the evaluation.
await section('simulator', () => runBench('simulator.js', ['--rounds', quick ? '3' : '7']));

// 7. The metric-series detector stack (score-series and the mesh-metrics path).
await section('series', () => runBench('series.js', ['--rounds', quick ? '3' : '5']));

// 8. Kafka mode: one `serve --role scorer` process consuming a pre-produced backlog from the kcat mock
// cluster (events/s), then produce → incident latency on live traffic with attacks (about 100 s).
await section('kafka', () => runBench('kafka.js', ['--input', input, '--live-seconds', quick ? '45' : '75']));

// A partial run (--only) updates its sections and keeps the others from the last full run.
const resultsFile = join(ROOT, 'bench', 'results.json');
if (only !== undefined && existsSync(resultsFile)) {
  const previous = JSON.parse(readFileSync(resultsFile, 'utf8'));
  for (const [key, value] of Object.entries(previous)) if (!(key in results)) results[key] = value;
}
writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);

const r = results;
const f = (x) => (typeof x === 'number' ? x.toLocaleString('en-US') : String(x ?? '-'));
const rows = [
  [
    'replay in-process (events/s)',
    f(r.replay?.replayPerSec),
    `bare JSON.parse ${f(r.replay?.bareJsonParsePerSec)}/s`,
    f(r.replay?.replayRatio),
    '>= 0.5',
  ],
  [
    'parse only (events/s)',
    f(r.replay?.parseOnlyPerSec),
    `bare JSON.parse ${f(r.replay?.bareJsonParsePerSec)}/s`,
    f(r.replay?.parseRatio),
    '',
  ],
  [
    'replay whole process (s)',
    f(r.process?.replaySeconds),
    `bare node -e ${f(r.process?.bareSeconds)} s`,
    f(r.process?.processRatio),
    '>= 0.5',
  ],
  [
    'ingest HTTP (lines/s)',
    f(r.ingest?.linesAcceptedPerSec),
    `p99 ${f(r.ingest?.latencyMsP99)} ms/request`,
    '',
    '>= 50,000',
  ],
  [
    'memory (bytes/entity)',
    f(r.memory?.bytesPerEntity),
    `${f(r.memory?.entitiesTracked)} entities`,
    '',
    '<= 1,024',
  ],
  [
    'serve path (bytes/identity)',
    f(r.flood?.perEntity?.bytesPerEntity),
    `${f(r.flood?.perEntity?.entitiesTracked)} identities, history and bindings included`,
    '',
    '<= 1,024',
  ],
  [
    'identity flood (heap MiB)',
    f(r.flood?.million?.heapAfterFloodMiB),
    `${f(r.flood?.million?.identities)} identities, cap ${f(r.flood?.million?.maxEntities)}, attacker found: ${r.flood?.million?.attackerFound}`,
    '',
    `<= ${f(r.flood?.million?.heapBoundMiB)}`,
  ],
  ['neural scoreBatch (rows/s)', f(r.neural?.rowsPerSec), `backend ${f(r.neural?.backend)}`, '', ''],
  [
    'simulator (records/CPU-s)',
    f(r.simulator?.recordsPerCpuSecond),
    `${f(r.simulator?.recordsPerRound)} records per round`,
    '',
    '>= 200,000',
  ],
  [
    'series stack (rows/CPU-s)',
    f(r.series?.rowsPerCpuSecond),
    `${f(r.series?.series)} series, ${f(r.series?.rowsPerRound)} rows per round`,
    '',
    '>= 100,000',
  ],
  [
    'kafka scorer (events/s)',
    f(r.kafka?.throughput?.eventsPerSec),
    `${f(r.kafka?.throughput?.eventsPerCpuSecond)}/CPU-s, ${f(r.kafka?.throughput?.events)} gzip records`,
    '',
    '>= 50,000',
  ],
  [
    'kafka produce → incident (ms)',
    `p50 ${f(r.kafka?.latency?.p50Ms)}, p99 ${f(r.kafka?.latency?.p99Ms)}`,
    `${f(r.kafka?.latency?.detected)}/${f(r.kafka?.latency?.attacks)} attacks detected`,
    '',
    '',
  ],
  [
    '  beyond the decided window (ms)',
    `p50 ${f(r.kafka?.latency?.beyondWindowP50Ms)}, p99 ${f(r.kafka?.latency?.beyondWindowP99Ms)}`,
    `produce → incident minus ${f(r.kafka?.latency?.windowSecs)} s + ${f(r.kafka?.latency?.allowedLatenessSecs)} s: p99 ${f(r.kafka?.latency?.p99MinusOneWindowMs)}`,
    '',
    'p99 < 1,000',
  ],
];
const head = ['benchmark', 'result', 'baseline', 'ratio', 'target'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
process.stdout.write(
  `${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(line).join('\n')}\n`,
);
process.stdout.write(
  `\n${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; wrote bench/results.json\n`,
);
for (const name of failures) process.stderr.write(`bench: ${name} failed: ${results[name].error}\n`);
process.exitCode = failures.length ? 1 : 0;
