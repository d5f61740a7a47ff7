/**
 * A bounded soak on loopback: ingest (in this process) → Kafka mock cluster → one `serve --role scorer`
 * process with state in redis-server, at a steady rate the test controls, then a burst.
 * - conserved: every record ingest accepted is scored (the scorer's own counter), none skipped;
 * - memory flat: the scorer's RSS and V8 heap (from its /metrics) at the end of the steady phase within a
 *   stated bound of their level after warm-up;
 * - lag recovers: after a burst, meshguard_consumer_lag_messages returns to 0 within a stated time.
 * MESHGUARD_SOAK_SECS sets the steady phase (default 45 s so the whole suite stays fast; 600 for a real soak).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { resolveConfig } from '../../config/validate.js';
import { MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { Service } from '../../services/service.js';
import { startKafkaMock, type KafkaMock } from '../helpers/kafka-mock.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { reliabilityReport } from '../helpers/reliability-report.js';
import { ensureBuilt } from '../helpers/build.js';
import { waitFor } from '../helpers/wait.js';

const report = reliabilityReport('soak');
const ROOT = join(import.meta.dirname, '..', '..');
const T0 = Date.parse('2024-05-01T10:00:00Z');
const SOAK_SECS = Number(process.env.MESHGUARD_SOAK_SECS ?? 45);
const RATE = 400; // records per second in the steady phase
const BURST = 6000; // records posted at once after it
/** Bounds: growth from the post-warm-up level to the end of the steady phase. */
const MAX_RSS_GROWTH_MB = 80;
const MAX_HEAP_GROWTH_MB = 40;
const MAX_LAG_RECOVERY_MS = 30_000;

let kafka: KafkaMock;
let redis: RedisServer;
let ingest: Service;
let scorer: ChildProcess;
const scorerLogs: Array<Record<string, unknown>> = [];
let scorerPort = 0;

async function scorerMetrics(): Promise<{ scored: number; lag: number; rssMb: number; heapMb: number }> {
  const text = await (await fetch(`http://127.0.0.1:${scorerPort}/metrics`)).text();
  const sum = (re: RegExp): number => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    scored: sum(/^meshguard_events_ingested_total\{source="kafka",format="[^"]+"\} (\d+)/gm),
    lag: sum(/^meshguard_consumer_lag_messages\{topic="mesh.access-logs"\} (\d+)/gm),
    rssMb: sum(/^meshguard_process_process_resident_memory_bytes (\d+)/gm) / 2 ** 20,
    heapMb: sum(/^meshguard_process_nodejs_heap_size_used_bytes (\d+)/gm) / 2 ** 20,
  };
}

beforeAll(async () => {
  ensureBuilt();
  [kafka, redis] = await Promise.all([startKafkaMock(), startRedis()]);
  const dir = mkdtempSync(join(tmpdir(), 'mg-soak-'));
  const kafkaCfg = {
    brokers: kafka.brokers,
    from_beginning: true,
    session_timeout_ms: 6000,
    heartbeat_interval_ms: 500,
    group_id: 'soak',
  };
  ingest = new Service(
    resolveConfig({ http: { host: '127.0.0.1', port: 0 }, log_level: 'silent', kafka: kafkaCfg }),
    'ingest',
    pino({ level: 'silent' }),
  );
  await ingest.start();
  const configFile = join(dir, 'meshguard.yaml');
  writeFileSync(
    configFile,
    stringify({
      log_level: 'info',
      http: { host: '127.0.0.1' },
      kafka: { ...kafkaCfg, brokers: [] },
      alerts: { channels: [] },
      quarantine: { policies_dir: join(dir, 'policies') },
    }),
  );
  scorer = spawn(
    process.execPath,
    ['bin/meshguard.js', 'serve', '--role', 'scorer', '--port', '0', '--config', configFile],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        MESHGUARD_KAFKA_BROKERS: kafka.brokers.join(','),
        MESHGUARD_REDIS_URL: redis.url,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  createInterface({ input: scorer.stderr! }).on('line', (line) => {
    try {
      scorerLogs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      scorerLogs.push({ msg: line });
    }
  });
  await waitFor(
    () => scorerLogs.some((l) => l.msg === 'meshguard serve is up'),
    60_000,
    'the scorer to start',
  );
  scorerPort = Number(scorerLogs.find((l) => l.msg === 'meshguard serve is up')!.port);
}, 240_000);

afterAll(async () => {
  if (scorer && scorer.exitCode === null) {
    scorer.kill('SIGTERM');
    await new Promise((r) => scorer.once('exit', r));
  }
  await ingest?.stop();
  await Promise.all([kafka?.stop(), redis?.stop()]);
});

describe(`soak: ${SOAK_SECS} s at ${RATE} records/s, then a burst of ${BURST}`, () => {
  it(
    'conserves every record, keeps the scorer memory flat and recovers its lag after the burst',
    async () => {
      // Enough simulated traffic for the whole run, in event time order.
      const lines: string[] = [];
      const sim = new MeshSimulator({ seed: 17, startMs: T0, services: 24, ratePerSec: 40 });
      for (let t = T0; lines.length < RATE * SOAK_SECS + BURST; t += 60_000)
        sim.generate(t, t + 60_000, (r) => lines.push(JSON.stringify(r)));
      let next = 0;
      let accepted = 0;
      const post = async (n: number): Promise<void> => {
        const body = lines.slice(next, next + n);
        next += n;
        const res = await fetch(`http://127.0.0.1:${ingest.port}/ingest/envoy`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: body.join('\n'),
        });
        expect(res.status).toBe(200);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      };

      const samples: Array<{ at: number; rssMb: number; heapMb: number; lag: number }> = [];
      const started = Date.now();
      for (let s = 0; s < SOAK_SECS; s++) {
        // Four posts a second: a shipper flushing every 250 ms.
        for (let q = 0; q < 4; q++) {
          await post(RATE / 4);
          const due = started + s * 1000 + (q + 1) * 250;
          await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        }
        if (s % 5 === 4) {
          const m = await scorerMetrics();
          samples.push({ at: s + 1, rssMb: m.rssMb, heapMb: m.heapMb, lag: m.lag });
        }
      }
      await waitFor(
        async () => (await scorerMetrics()).scored >= accepted,
        60_000,
        'the steady phase scored',
      );

      await report.check(
        'load',
        `Steady ${RATE} records/s for ${SOAK_SECS} s (ingest → Kafka → scorer, Redis state)`,
        `scorer RSS within +${MAX_RSS_GROWTH_MB} MB and heap within +${MAX_HEAP_GROWTH_MB} MB of their level after warm-up (first third)`,
        async (note) => {
          const warm = samples.slice(Math.floor(samples.length / 3));
          expect(warm.length).toBeGreaterThanOrEqual(2);
          const first = warm[0]!;
          const last = warm[warm.length - 1]!;
          expect(first.rssMb).toBeGreaterThan(10); // the metric is there at all
          expect(first.heapMb).toBeGreaterThan(1);
          expect(last.rssMb - first.rssMb).toBeLessThan(MAX_RSS_GROWTH_MB);
          expect(last.heapMb - first.heapMb).toBeLessThan(MAX_HEAP_GROWTH_MB);
          const peakLag = Math.max(...samples.map((x) => x.lag));
          note(
            `RSS ${first.rssMb.toFixed(0)} → ${last.rssMb.toFixed(0)} MB, heap ${first.heapMb.toFixed(0)} → ${last.heapMb.toFixed(0)} MB (from ${first.at} s to ${last.at} s); peak sampled lag ${peakLag}`,
          );
        },
      );

      await report.check(
        'load',
        `A burst of ${BURST} records posted at once after the steady phase`,
        `consumer lag back to 0 within ${MAX_LAG_RECOVERY_MS / 1000} s; every accepted record scored (scorer count = ingest count), none skipped`,
        async (note) => {
          const burstAt = Date.now();
          for (let i = 0; i < BURST; i += 2000) await post(Math.min(2000, BURST - i));
          let peak = 0;
          const recovered = await waitFor(
            async () => {
              const m = await scorerMetrics();
              peak = Math.max(peak, m.lag);
              return m.lag === 0 && m.scored >= accepted;
            },
            MAX_LAG_RECOVERY_MS,
            'the lag to recover',
          );
          const m = await scorerMetrics();
          // Nothing is redelivered without a fault, so the counts match exactly.
          expect(m.scored).toBe(accepted);
          expect(accepted).toBe(next);
          expect(scorerLogs.some((l) => String(l.msg).startsWith('Records were skipped'))).toBe(false);
          note(
            `${accepted} accepted = ${m.scored} scored; peak lag ${peak}; lag 0 again ${Date.now() - burstAt} ms after the burst began (${recovered} ms of waiting)`,
          );
        },
      );
    },
    (SOAK_SECS + 180) * 1000,
  );
});
