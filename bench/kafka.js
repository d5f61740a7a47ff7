// Kafka mode, end to end, in one run against the librdkafka mock cluster (Debian's kcat):
//   1. throughput: the benchmark input (N simulated Istio JSON lines) is produced to mesh.access-logs
//      first, keyless as shippers write them (so every record takes the repartition hop); then ONE
//      `meshguard serve --role scorer` process (memory state, no Redis) starts and consumes them;
//      events/s = lines / time from the first counted batch until all N are counted and committed (read
//      from its /metrics). Each round also runs `meshguard replay` over the same N lines, side by side:
//      the ratio Kafka / replay is the figure (target 0.9).
//   2. detection latency: with the scorer caught up and idle, simulated normal traffic is produced in live
//      time (event time = now) with attack scenarios injected; for each scenario, latency = the time its
//      first incident arrives on meshguard.incidents minus the time its first attack record was produced.
//   node bench/kafka.js --input FILE [--events N] [--rounds 3] [--live-seconds 75] [--slice-ms 250] [--profile DIR]
//                       [--scorer-log FILE]  (the scorer's own log lines, for when a run fails)
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, args, dist, median, percentile, report, round } from './lib.js';

const opt = args();
const liveSeconds = Number(opt['live-seconds'] ?? 75);
const sliceMs = Number(opt['slice-ms'] ?? 250);
const profileDir = typeof opt.profile === 'string' ? opt.profile : undefined;
const hopCompression = typeof opt['hop-compression'] === 'string' ? opt['hop-compression'] : undefined;
// The live stream must look like the data the scorer learned its baselines on (bench/lib.js istioInput).
const SIM = { seed: 3, services: 50, ratePerSec: 50, identity: 'spiffe' };
// Attacks that show within a few windows; slow ones (beaconing, slow drip) need minutes, not this run.
const LIVE_ATTACKS = [
  'path_scanning',
  'lateral_movement',
  'credential_stuffing',
  'rbac_probing',
  'cloud_metadata_access',
  'kubernetes_api_access',
  'object_id_enumeration',
  'passthrough_egress',
  'plaintext_in_strict_mtls',
  'token_replay',
  'bulk_read_exfiltration',
];
const ACCESS_LOGS = 'mesh.access-logs';
const INCIDENTS = 'meshguard.incidents';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (message) => process.stderr.write(`bench/kafka: ${message}\n`);

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------------
// The mock cluster (the same handling as test/helpers/kafka-mock.ts).

async function startKafkaMock() {
  if (spawnSync('sh', ['-c', 'command -v kcat']).status !== 0)
    throw new Error('kcat is not installed: run `sudo apt-get install -y kcat` (Debian/Ubuntu)');
  const child = spawn(
    'kcat',
    [
      '-X',
      'test.mock.num.brokers=3',
      '-d',
      'mock',
      '-b',
      'unused:9092',
      '-C',
      '-t',
      'keepalive',
      '-o',
      'end',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const brokers = await new Promise((resolve, reject) => {
    let buffered = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('kcat mock cluster did not print bootstrap.servers within 10 s'));
    }, 10_000);
    // The debug log is chatty: keep draining stderr so kcat never blocks on a full pipe.
    child.stderr.on('data', (chunk) => {
      if (found) return;
      buffered += chunk.toString('utf8');
      const match = /bootstrap\.servers=([0-9.:,]+)/.exec(buffered);
      if (match) {
        clearTimeout(timer);
        found = true;
        resolve(match[1].split(',').filter(Boolean));
      } else if (buffered.length > 1_000_000) buffered = buffered.slice(-10_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!found) reject(new Error(`kcat exited early with code ${code}`));
    });
  });
  return { brokers, stop: () => stopChild(child) };
}

function stopChild(child, signal = 'SIGTERM', killAfterMs = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
  });
}

// ---------------------------------------------------------------------------------------------------
// The scorer process and its /metrics.

/** `node bin/meshguard.js serve --role scorer`; resolves once it logged its port. */
async function startScorer(brokers, configFile) {
  const nodeFlags = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      join(ROOT, 'bin', 'meshguard.js'),
      'serve',
      '--role',
      'scorer',
      '--config',
      configFile,
      '--port',
      '0',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, MESHGUARD_KAFKA_BROKERS: brokers.join(','), MESHGUARD_REDIS_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const tail = [];
  let buffered = '';
  let resolvePort;
  const port = new Promise((resolve) => (resolvePort = resolve));
  child.stderr.setEncoding('utf8');
  if (typeof opt['scorer-log'] === 'string') child.stderr.pipe(createWriteStream(opt['scorer-log']));
  child.stderr.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      tail.push(line);
      if (tail.length > 50) tail.shift();
      if (line.includes('meshguard serve is up')) {
        try {
          resolvePort(JSON.parse(line).port);
        } catch {
          // Not our JSON line: keep reading.
        }
      }
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const up = await Promise.race([
    port,
    exited.then((code) => {
      throw new Error(`the scorer exited with ${code} before it was up:\n${tail.slice(-8).join('\n')}`);
    }),
    sleep(60_000).then(() => {
      throw new Error(`the scorer was not up within 60 s:\n${tail.slice(-8).join('\n')}`);
    }),
  ]);
  return { port: up, child, tail, stop: () => stopChild(child, 'SIGTERM', 20_000) };
}

/** The sum of one counter or gauge over the series whose labels contain `match` (Prometheus text format). */
function metricSum(text, name, match = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function scrape(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

// ---------------------------------------------------------------------------------------------------
// Profile summary: self time per function over the whole scorer process.

function topFrames(dir, fromUs, toUs, n = 15) {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort()
    .pop();
  if (!file) return { error: `no .cpuprofile in ${dir}` };
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const frameOf = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url
      ? `${url.replace(`file://${ROOT}/`, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}`
      : '';
    frameOf.set(node.id, `${functionName || '(anonymous)'} ${where}`.trim());
  }
  // Samples carry V8's monotonic clock, the same one process.hrtime reads here (Linux): keep the ones
  // taken while the backlog was consumed, so start-up and the live phase do not dilute the picture.
  const self = new Map();
  let total = 0;
  let busyUs = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) continue;
    const frame = frameOf.get(profile.samples[i]);
    if (frame === '(idle)') continue;
    self.set(frame, (self.get(frame) ?? 0) + 1);
    total++;
    busyUs += delta;
  }
  return {
    file,
    window: 'consumption of the backlog only',
    samples: total,
    busySeconds: round(busyUs / 1e6, 2),
    top: [...self.entries()]
      .sort((x, y) => y[1] - x[1])
      .slice(0, n)
      .map(([frame, hits]) => ({ selfPct: round((100 * hits) / total, 1), frame })),
  };
}

// ---------------------------------------------------------------------------------------------------

const { CompressionTypes, Kafka, Partitioners, logLevel } = await import('kafkajs');
// The scorer writes lz4 here (its config below): this process reads its incidents, so it needs the codecs.
const { registerKafkaCodecs } = await dist('pipelines/sources/kafka/codecs.js');
registerKafkaCodecs();
const { parseLine, parseOptionsOf } = await dist('pipelines/parse/index.js');
const { resolveConfig } = await dist('config/validate.js');
const { MeshSimulator, ATTACK_SCENARIOS } = await dist('pipelines/sources/simulator/index.js');

const defaults = resolveConfig({});
const windowSecs = defaults.windowing.window_secs;
const latenessSecs = defaults.windowing.allowed_lateness_secs;
const parseOpts = parseOptionsOf(defaults);

let lines = readFileSync(opt.input, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0);
// The mock cluster keeps at most 5 MiB per partition (librdkafka's mock, fixed) and drops the oldest
// record batches beyond that. Records are therefore produced gzip-compressed (~15x on these lines, as a
// log shipper would send them), and N stays where the busiest partition (~46 % of the lines: the source
// workloads are few and unevenly busy) still fits; the run checks that nothing was dropped.
lines = lines.slice(0, Number(opt.events ?? 160_000));
let N = lines.length;

/** The partition key ingest gives a line: its source workload (event.src). */
function keyOf(line) {
  let key = null;
  parseLine(line, 'auto', parseOpts, (r) => {
    if (r.ok && key === null) key = r.event.src || null;
  });
  return key;
}

/** Phase 2: live traffic with attacks into the caught-up scorer; incidents timed on the incidents topic. */
async function liveLatency(kafka, producer) {
  // 2a. Listen to the incidents topic; the receive time is the hand-off time. The topic is created first
  //     (by a record that is no incident; the mock cluster has no controller for the admin API): a
  //     consumer subscribed before it exists learns of it only at its next metadata refresh, minutes on.
  await producer.send({ topic: INCIDENTS, acks: 1, messages: [{ value: 'bench: topic created' }] });
  const received = [];
  incidentsConsumer = kafka.consumer({
    groupId: `bench-incidents-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 50,
  });
  let joined = false;
  incidentsConsumer.on(incidentsConsumer.events.GROUP_JOIN, () => (joined = true));
  await incidentsConsumer.connect();
  await incidentsConsumer.subscribe({ topics: [INCIDENTS], fromBeginning: true });
  await incidentsConsumer.run({
    eachMessage: async ({ message }) => {
      const at = Date.now();
      try {
        received.push({ at, incident: JSON.parse(message.value.toString('utf8')) });
      } catch {
        // Not an incident: nothing to time.
      }
    },
  });
  await waitFor(() => joined, 30_000, 'the incidents consumer to join its group');
  await sleep(1000); // let its first fetch settle (the earlier incidents arrive now, not during the run)

  // 2b. Live traffic: slices of simulated time [last, now) produced as soon as they are in the past.
  const liveStart = Date.now();
  const sim = new MeshSimulator({ ...SIM, startMs: liveStart });
  const attacks = LIVE_ATTACKS.filter((name) => ATTACK_SCENARIOS.includes(name));
  // Starts spread over the first part of the run at a step that is no divisor of the window, so the
  // attacks start at different points of a window; the last start leaves 30 s to be detected.
  const spread = Math.max(1000, (liveSeconds - 40) * 1000);
  const scheduled = attacks.map((name, i) => {
    const atMs = liveStart + 8000 + Math.round((i * spread) / Math.max(1, attacks.length - 1));
    const truth = sim.schedule(name, atMs, undefined, { untilMs: atMs + 40_000 });
    return { name, atMs, truth, firstProducedAt: undefined, firstRecordMs: undefined };
  });
  const byLabel = new Map(scheduled.map((s) => [s.name, s]));
  let produced = 0;
  const attackAddresses = new Set();
  let cursor = liveStart;
  const liveEnd = liveStart + liveSeconds * 1000;
  log(`live traffic for ${liveSeconds} s with ${scheduled.length} attacks`);
  while (cursor < liveEnd) {
    await sleep(Math.max(0, cursor + sliceMs - Date.now()));
    const now = Date.now();
    const batch = [];
    const firsts = [];
    sim.generate(cursor, now, (record) => {
      const s = record.x_meshguard_label ? byLabel.get(record.x_meshguard_label) : undefined;
      // An attack may call from an address of its own (a plaintext pod): incidents on it are no false positive.
      const from = record.x_meshguard_label ? record.downstream_remote_address : undefined;
      if (typeof from === 'string') attackAddresses.add(from.slice(0, from.lastIndexOf(':')));
      if (s && s.firstProducedAt === undefined && !firsts.includes(s)) {
        firsts.push(s);
        s.firstRecordMs = Date.parse(record.start_time);
      }
      const value = JSON.stringify(record);
      batch.push({ key: keyOf(value), value });
    });
    cursor = now;
    const sentAt = Date.now();
    for (const s of firsts) s.firstProducedAt = sentAt;
    if (batch.length) await producer.send({ topic: ACCESS_LOGS, acks: 1, messages: batch });
    produced += batch.length;
  }
  // Keep nothing running: any incident still on its way has a few seconds (the scorer's idle tick
  // closes the last windows only after a whole window of silence, which would not be live behaviour).
  await sleep(3000);

  const principalOf = (w) =>
    w?.principal ||
    (w?.namespace ? `spiffe://cluster.local/ns/${w.namespace}/sa/${w.serviceAccount}` : w?.address);
  const results = [];
  for (const s of scheduled) {
    if (s.firstProducedAt === undefined) {
      results.push({ scenario: s.name, detected: false, why: 'no attack record produced' });
      continue;
    }
    const match = received.find(
      (r) =>
        r.at >= s.firstProducedAt &&
        (principalOf(r.incident.workload) === s.truth.actor.principal ||
          r.incident.workload?.address === s.truth.actor.address),
    );
    if (!match) {
      results.push({ scenario: s.name, detected: false });
      continue;
    }
    // The end of the window the detectors decided on (event time, which is wall time here). An incident
    // decided when its window ended carries that end; one decided at the close carries end + lateness.
    const windowMs = windowSecs * 1000;
    const decidedWindowEnd = Math.floor(Date.parse(match.incident.detectedAt) / windowMs) * windowMs;
    const firstWindowEnd = (Math.floor(s.firstRecordMs / windowMs) + 1) * windowMs;
    results.push({
      scenario: s.name,
      detected: true,
      kind: match.incident.kind,
      latencyMs: match.at - s.firstProducedAt,
      // Beyond the detector's window: from the end of the window it decided on to the incident on the
      // topic (the lateness wait, transport, scoring and hand-off).
      beyondWindowMs: match.at - decidedWindowEnd,
      // 1 = decided on the window holding the attack's first record; more = evidence built up over windows.
      windows: Math.round((decidedWindowEnd - firstWindowEnd) / windowMs) + 1,
      firstAttackRecordToProduceMs: s.firstProducedAt - s.firstRecordMs,
    });
  }
  const liveKeys = new Set([
    ...scheduled.flatMap((s) => [s.truth.actor.principal, s.truth.actor.address]).filter(Boolean),
    ...attackAddresses,
  ]);
  const others = received.filter(
    (r) =>
      r.at >= liveStart &&
      Date.parse(r.incident.firstEventTime) >= liveStart - 60_000 &&
      !liveKeys.has(principalOf(r.incident.workload)) &&
      !liveKeys.has(r.incident.workload?.address),
  );
  const detected = results.filter((r) => r.detected);
  const lat = detected.map((r) => r.latencyMs);
  const waitMs = (windowSecs + latenessSecs) * 1000;
  const latency = {
    liveSeconds,
    sliceMs,
    recordsProduced: produced,
    recordsPerSec: round(produced / liveSeconds),
    attacks: scheduled.length,
    detected: detected.length,
    windowSecs,
    allowedLatenessSecs: latenessSecs,
    p50Ms: round(median(lat)),
    p99Ms: round(percentile(lat, 99)),
    // The target: p99 under 1 s beyond the window each detector decided on.
    beyondWindowP50Ms: round(median(detected.map((r) => r.beyondWindowMs))),
    beyondWindowP99Ms: round(
      percentile(
        detected.map((r) => r.beyondWindowMs),
        99,
      ),
    ),
    // Stricter: as if every attack were decided on the first window (+ lateness) after its first record.
    p50MinusOneWindowMs: round(median(lat) - waitMs),
    p99MinusOneWindowMs: round(percentile(lat, 99) - waitMs),
    // Incidents of the live phase on no scheduled attacker (false positives, or an attacker named by
    // address only): each with its kind and workload, to look at.
    otherLiveIncidents: others.length,
    otherLiveIncidentsSeen: others.map((r) => ({
      kind: r.incident.kind,
      severity: r.incident.severity,
      workload: r.incident.workload,
      summary: r.incident.summary,
    })),
    scenarios: results,
  };
  log(
    `latency p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms (${detected.length}/${scheduled.length} detected)`,
  );
  await incidentsConsumer.disconnect();
  incidentsConsumer = undefined;
  return latency;
}

/**
 * 1c. Consumption, read from the scorer's /metrics: ingested{source="kafka"} counts a batch as it is
 * handed over; the lag gauge drops to 0 once the last batch is committed. The rate runs from the first
 * poll that saw records counted (its count taken off) to the poll that saw all counted and committed, so
 * only the end needs a fine poll: every 250 ms until 85 % is in (a scrape costs the scorer CPU), then
 * every 20 ms.
 */
async function measureConsumption(scorer, spawnedAt) {
  let first;
  let last;
  let lastProgressAt = performance.now();
  let lastN = 0;
  for (;;) {
    const text = await scrape(scorer.port);
    const t = performance.now();
    const mono = Number(process.hrtime.bigint() / 1000n);
    const n = metricSum(text, 'meshguard_events_ingested_total', 'source="kafka"');
    const rejected = metricSum(text, 'meshguard_events_rejected_total', 'source="kafka"');
    const lag = metricSum(text, 'meshguard_consumer_lag_messages', `topic="${ACCESS_LOGS}"`);
    // CPU seconds of the scorer process (prom-client's default metric): steadier than wall time here.
    const cpu = Number(/^\w*process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
    if (n > 0 && first === undefined) first = { t, n, mono, cpu };
    if (n !== lastN) [lastN, lastProgressAt] = [n, t];
    if (n + rejected >= N && lag === 0) {
      last = { t, n, rejected, mono, cpu };
      break;
    }
    if (t - lastProgressAt > 30_000)
      throw new Error(`the scorer stopped at ${n} of ${N} records:\n${scorer.tail.slice(-5).join('\n')}`);
    await sleep(n + rejected >= 0.85 * N ? 20 : 250);
  }
  const consumeSeconds = (last.t - first.t) / 1000;
  const events = last.n + last.rejected - first.n;
  return {
    consumeSeconds,
    eventsPerSec: round(events / consumeSeconds),
    // Events per second of the scorer's own CPU time (user + system, all its threads) over the same span.
    eventsPerCpuSecond: round(events / Math.max(1e-6, last.cpu - first.cpu)),
    scorerCpuSeconds: round(last.cpu - first.cpu, 2),
    // From spawn: start-up, joining the group and the first fetch included.
    fromSpawnSeconds: round((last.t - spawnedAt) / 1000, 2),
    rejected: last.rejected,
    // For the profile: the poll before `first` saw nothing yet (consumption began at most one poll earlier).
    windowUs: [first.mono - 300_000, last.mono],
  };
}

/** Prints the process's CPU time (user + system, all threads, microseconds) to stderr as it exits. */
const CPU_AT_EXIT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-us '+(u.user+u.system)+'\\n')})`;

function runReplay(file) {
  const out = spawnSync(
    process.execPath,
    [
      '--import',
      CPU_AT_EXIT,
      join(ROOT, 'bin', 'meshguard.js'),
      'replay',
      '--input',
      file,
      '--incidents',
      join(work, 'replay.jsonl'),
    ],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const summary = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}');
  if (!(summary.events >= 0)) throw new Error(`replay failed: ${out.stderr.slice(-500)}`);
  const cpuSeconds = Number(/^cpu-us (\d+)$/m.exec(out.stderr)?.[1] ?? NaN) / 1e6;
  return { ...summary, cpuSeconds };
}

/**
 * `meshguard replay` over `file`: events per second of its own processing time (its summary line), and
 * per CPU-second: its CPU time less that of a one-line replay (start-up and exit), so a machine shared with
 * other work, which slows both sides' wall time by whatever share they get, compares them still.
 */
function replayRate(file, oneLineFile) {
  const full = runReplay(file);
  if (!(full.events > 0)) throw new Error('replay counted no events');
  const startup = runReplay(oneLineFile);
  const events = full.events + full.rejected;
  return {
    perSec: round(events / full.seconds),
    perCpuSecond: round(events / Math.max(1e-3, full.cpuSeconds - startup.cpuSeconds)),
  };
}

const work = mkdtempSync(join(tmpdir(), 'meshguard-bench-kafka-'));
const mock = await startKafkaMock();
let scorer;
let incidentsConsumer;
let consumeWindowUs = [0, Infinity];
let producer;
try {
  log(`mock cluster at ${mock.brokers.join(',')}; producing ${N.toLocaleString('en-US')} lines`);
  const kafka = new Kafka({ clientId: 'bench-kafka', brokers: mock.brokers, logLevel: logLevel.NOTHING });
  producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
  });
  await producer.connect();

  // 1a. Pre-produce keyless, as Fluent Bit, Vector and the OTel exporter do by default: the scorer
  //     re-keys every record through the repartition topic, and the figure includes that hop.
  const replayInput = join(work, 'replay-input.jsonl');
  writeFileSync(replayInput, lines.join('\n') + '\n');
  const replayOneLine = join(work, 'replay-one-line.jsonl');
  writeFileSync(replayOneLine, lines[0] + '\n');
  const messages = lines.map((value) => ({ key: null, value }));
  lines = undefined;
  const produceStarted = performance.now();
  // Sticky partitioning, as librdkafka and the Java client do for keyless records: each chunk goes to one
  // partition, chunk c to partition c mod 4, one worker per partition, so each partition holds its records
  // in the order they were logged (concurrent sends of interleaved chunks would reorder them by minutes).
  const CHUNK = 2000;
  const PARTITIONS = 4;
  async function produceWorker(partition) {
    for (let c = partition; c * CHUNK < messages.length; c += PARTITIONS)
      await producer.send({
        topic: ACCESS_LOGS,
        acks: 1,
        compression: CompressionTypes.GZIP,
        messages: messages.slice(c * CHUNK, (c + 1) * CHUNK).map((m) => ({ ...m, partition })),
      });
  }
  await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => produceWorker(p)));
  const produceSeconds = (performance.now() - produceStarted) / 1000;
  const keys = 0;
  messages.length = 0;
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(ACCESS_LOGS);
  await admin.disconnect();
  const retained = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
  const dropped = N - retained;
  if (dropped > 0) {
    log(
      `the mock cluster dropped ${dropped} of the oldest records (5 MiB per partition); timing the ${retained} it kept`,
    );
    N = retained;
  }
  log(`produced in ${round(produceSeconds, 1)} s (${keys} keys); starting the scorer`);

  // 1b. One scorer: memory state, reads its new group from the beginning, alerts to no channel, no policies.
  //     Each round is a fresh process in a fresh consumer group reading the same backlog; the median round
  //     is reported (one round under --profile).
  const rounds = profileDir ? 1 : Number(opt.rounds ?? 3);
  const measured = [];
  for (let r = 0; r < rounds; r++) {
    if (scorer) await scorer.stop();
    const configFile = join(work, `scorer-${r}.yaml`);
    writeFileSync(
      configFile,
      [
        `log_level: ${opt['scorer-log-level'] ?? 'info'}`,
        'http: { host: 127.0.0.1 }',
        'alerts: { channels: [] }',
        'quarantine: { sink: none }',
        // lz4 on the repartition hop: cheap, and it keeps the hop within the mock cluster's 5 MiB per
        // partition retention (uncompressed, the oldest re-keyed records would be deleted before read).
        // A repartition topic per round too: reading from the beginning, a new group would also score what
        // the earlier rounds forwarded (and race the mock's retention deleting it).
        // --hop-compression sets the hop's codec alone (kafka.repartition_compression), to compare codecs.
        `kafka: { group_id: bench-${process.pid}-${Date.now()}-${r}, from_beginning: true, session_timeout_ms: 10000, heartbeat_interval_ms: 1000, compression: lz4, ${hopCompression ? `repartition_compression: ${hopCompression}, ` : ''}topics: { repartition: bench.by-source-${r} } }`,
        '',
      ].join('\n'),
    );
    // Replay first, alone on the machine; then the scorer, which the last round keeps running.
    const replay = replayRate(replayInput, replayOneLine);
    const spawnedAt = performance.now();
    scorer = await startScorer(mock.brokers, configFile);
    const upSeconds = (performance.now() - spawnedAt) / 1000;
    const m = await measureConsumption(scorer, spawnedAt);
    if (r < rounds - 1) {
      await scorer.stop();
      scorer = undefined;
    }
    const ratio = round(m.eventsPerSec / replay.perSec, 3);
    const cpuRatio = round(m.eventsPerCpuSecond / replay.perCpuSecond, 3);
    measured.push({
      ...m,
      upSeconds,
      replayPerSec: replay.perSec,
      replayPerCpuSecond: replay.perCpuSecond,
      ratio,
      cpuRatio,
    });
    log(
      `round ${r + 1}/${rounds}: ${m.eventsPerSec.toLocaleString('en-US')} events/s over ${round(m.consumeSeconds, 2)} s, ${m.eventsPerCpuSecond.toLocaleString('en-US')} per CPU-second; replay ${replay.perSec.toLocaleString('en-US')} events/s, ${replay.perCpuSecond.toLocaleString('en-US')} per CPU-second (ratio ${ratio}, per CPU-second ${cpuRatio})`,
    );
  }
  const mid = [...measured].sort((a, b) => a.eventsPerSec - b.eventsPerSec)[Math.floor(measured.length / 2)];
  consumeWindowUs = mid.windowUs;
  const throughput = {
    events: N,
    droppedByMockRetention: dropped,
    keys,
    partitions: offsets.length,
    compression: 'gzip',
    keyless: true,
    produceSeconds: round(produceSeconds, 2),
    producedPerSec: round(N / produceSeconds),
    rounds,
    // The median round's figures, and every round's events/s beside them.
    scorerUpSeconds: round(mid.upSeconds, 2),
    consumeSeconds: round(mid.consumeSeconds, 2),
    eventsPerSec: mid.eventsPerSec,
    eventsPerSecRounds: measured.map((m) => m.eventsPerSec),
    // `meshguard replay` over the same lines in the same rounds, and Kafka / replay per round.
    replayEventsPerSec: round(median(measured.map((m) => m.replayPerSec))),
    ratioToReplay: round(median(measured.map((m) => m.ratio)), 3),
    ratioToReplayRounds: measured.map((m) => m.ratio),
    // The same per CPU-second of each process (both single processes): steadier on a shared machine.
    replayEventsPerCpuSecond: round(median(measured.map((m) => m.replayPerCpuSecond))),
    cpuRatioToReplay: round(median(measured.map((m) => m.cpuRatio)), 3),
    cpuRatioToReplayRounds: measured.map((m) => m.cpuRatio),
    repartitionHop: true,
    eventsPerCpuSecond: round(median(measured.map((m) => m.eventsPerCpuSecond))),
    scorerCpuSeconds: mid.scorerCpuSeconds,
    fromSpawnSeconds: mid.fromSpawnSeconds,
    rejected: mid.rejected,
  };
  log(`consumed: ${throughput.eventsPerSec.toLocaleString('en-US')} events/s (median of ${rounds} rounds)`);

  log(
    `Kafka / replay: ${throughput.ratioToReplay}, per CPU-second ${throughput.cpuRatioToReplay} (median of ${rounds} rounds; target 0.9)`,
  );

  // 2. Latency, unless --live-seconds 0 (a profile of consumption alone, say).
  // The last round's scorer, caught up and holding the baselines it learned from the backlog, takes the
  // live traffic. A new process would not do: its state is in memory (no Redis here), so it would start
  // a fresh warm-up and decide nothing during the live phase.
  const latency = liveSeconds > 0 ? await liveLatency(kafka, producer) : undefined;
  await scorer?.stop();
  const profile = profileDir ? topFrames(profileDir, consumeWindowUs[0], consumeWindowUs[1]) : undefined;
  scorer = undefined;
  report({ throughput, ...(latency ? { latency } : {}), ...(profile ? { profile } : {}) });
} finally {
  await incidentsConsumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await scorer?.stop();
  await mock.stop();
  rmSync(work, { recursive: true, force: true });
}
