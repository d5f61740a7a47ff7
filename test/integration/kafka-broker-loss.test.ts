/**
 * Broker loss under `meshguard serve --role scorer` (a child process, so its CPU can be read from /proc)
 * on the librdkafka mock cluster:
 * - the cluster stops answering (kcat frozen with SIGSTOP): /readyz turns 503, the scorer backs off
 *   instead of spinning (its CPU stays low), and when the cluster answers again (SIGCONT) it resumes by
 *   itself: records produced afterwards are scored and /readyz is 200 again;
 * - the cluster is killed (SIGKILL; every connection refused at once, the case that spins a naive retry
 *   loop): /readyz 503, CPU still low, the process stays up and stops cleanly.
 * The mock cluster cannot come back on the same ports once killed, so resuming is checked on the frozen one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { ensureBuilt } from '../helpers/build.js';
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js';
import { ScorerProcess } from '../helpers/scorer-process.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const TOPIC = 'mesh.access-logs';

let kafka: KafkaMock;
let kcatPid: number;
let scorer: ScorerProcess;
let producer: Producer;
let port = 0;

/** CPU seconds (user + system) the process used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function readyStatus(): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(5000) })).status;
}

async function scored(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^meshguard_events_ingested_total\{[^}]*source="kafka"[^}]*\} (\S+)$/gm))
    total += Number(m[1]);
  return total;
}

/** CPU share of one core the scorer used over `ms` of wall time. */
async function cpuShareOver(ms: number): Promise<number> {
  const before = cpuSeconds(scorer.child.pid!);
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(scorer.child.pid!) - before) / (ms / 1000);
}

function records(fromMs: number, toMs: number): Array<{ key: null; value: string }> {
  const sim = new MeshSimulator({ seed: 5, startMs: T0, services: 6, ratePerSec: 10 });
  const out: Array<{ key: null; value: string }> = [];
  sim.generate(fromMs, toMs, (r) => out.push({ key: null, value: JSON.stringify(r) }));
  return out;
}

beforeAll(async () => {
  ensureBuilt();
  kafka = await startKafkaMock();
  kcatPid = Number(
    execFileSync('pgrep', ['-P', String(process.pid), '-x', 'kcat'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop(),
  );
  producer = new Kafka({
    clientId: 'test-shipper',
    brokers: kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: records(T0, T0 + 5000) });
  await producer.send({ topic: 'meshguard.access-logs.by-source', messages: [{ value: 'bootstrap' }] });
  const dir = mkdtempSync(join(tmpdir(), 'mg-broker-loss-'));
  const configFile = join(dir, 'meshguard.yaml');
  writeFileSync(
    configFile,
    stringify({
      log_level: 'info',
      http: { host: '127.0.0.1' },
      kafka: {
        group_id: 'broker-loss',
        from_beginning: true,
        session_timeout_ms: 6000,
        heartbeat_interval_ms: 500,
      },
      alerts: { channels: [] },
      quarantine: { policies_dir: join(dir, 'policies') },
    }),
  );
  scorer = new ScorerProcess(configFile, {
    MESHGUARD_KAFKA_BROKERS: kafka.brokers.join(','),
    MESHGUARD_REDIS_URL: '',
  });
  // The mock cluster now and then holds a group's first join for up to two minutes (a loaded machine).
  await waitFor(() => scorer.has('meshguard serve is up'), 150_000, 'the scorer to be up');
  port = Number(scorer.logs.find((l) => l.msg === 'meshguard serve is up')!.port);
  await waitFor(
    async () => (await scored()) > 0 && (await readyStatus()) === 200,
    60_000,
    'the first records scored',
  );
}, 240_000);

afterAll(async () => {
  try {
    process.kill(kcatPid, 'SIGCONT');
  } catch {
    // already gone
  }
  if (scorer?.child.exitCode === null) scorer.child.kill('SIGKILL');
  await producer?.disconnect().catch(() => undefined);
  await kafka?.stop();
});

describe('the scorer when its brokers vanish', () => {
  it('frozen cluster: not ready, no busy loop; resumes by itself when the cluster answers again', async () => {
    process.kill(kcatPid, 'SIGSTOP');
    await waitFor(async () => (await readyStatus()) === 503, 60_000, '/readyz to turn 503');
    expect(await cpuShareOver(10_000)).toBeLessThan(0.25);
    process.kill(kcatPid, 'SIGCONT');
    const before = await scored();
    await producer.send({ topic: TOPIC, messages: records(T0 + 5000, T0 + 10_000) });
    await waitFor(
      async () => (await scored()) > before,
      90_000,
      'records produced after the thaw to be scored',
    );
    await waitFor(async () => (await readyStatus()) === 200, 60_000, '/readyz to be 200 again');
  }, 240_000);

  it('killed cluster: not ready, no busy loop, the process stays up and stops cleanly', async () => {
    await kafka.stop();
    await waitFor(async () => (await readyStatus()) === 503, 60_000, '/readyz to turn 503');
    expect(await cpuShareOver(10_000)).toBeLessThan(0.25);
    expect(scorer.child.exitCode).toBeNull();
    scorer.child.kill('SIGTERM');
    expect(await scorer.exited).toBe(0);
  }, 180_000);
});
