/**
 * `meshguard demo`: the whole product in one process on simulated mesh traffic. Ten minutes of normal
 * traffic are replayed at once so baselines exist, then traffic streams live and attacks of every kind
 * start within the first half minute. Incidents print as they are raised, alerts go to the console (and
 * any configured webhook), quarantine policies are written as YAML (GitOps), and /metrics,
 * /api/incidents and the ingest endpoints are served.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.js';
import { FORMAT_OF_MESH, MeshSimulator } from '../../pipelines/sources/simulator/index.js';
import { meshOf } from './simulate.js';
import { createLogger } from '../assembly/assemble.js';
import { Service } from '../service.js';
import { parseDuration, parsePort, usageError } from './args.js';

const HISTORY_MS = 10 * 60_000;
const TICK_MS = 500;

/** What the demo shows, in order: one attack of each kind, a benign surge that must stay quiet, more attacks. */
const SCHEDULE: Array<{ scenario: string; afterMs: number }> = [
  { scenario: 'path_scanning', afterMs: 2_000 },
  { scenario: 'traffic_surge', afterMs: 4_000 },
  { scenario: 'credential_stuffing', afterMs: 6_000 },
  { scenario: 'lateral_movement', afterMs: 10_000 },
  { scenario: 'bulk_read_exfiltration', afterMs: 14_000 },
  { scenario: 'kubernetes_api_access', afterMs: 40_000 },
  { scenario: 'rbac_probing', afterMs: 60_000 },
  { scenario: 'slow_drip_upload', afterMs: 80_000 },
];

const HELP = `meshguard demo [--duration 60s] [--port 8080] [--host 127.0.0.1] [--config FILE] [--seed N]
              [--services N] [--mesh istio|linkerd|consul|ambient|cilium]
              [--log-level debug|info|warn|error|silent]

Runs meshguard in embedded mode on simulated mesh traffic with attacks: one line per incident with the
link to its page in the incident console (/ui/), a summary at the end. Structured logs (stderr) at
warn unless --log-level asks for more. Stops after --duration (default: runs until Ctrl-C). It listens
on loopback only; another --host needs an ingest token (MESHGUARD_INGEST_TOKEN), as \`serve\` does.
--mesh picks whose records are simulated (Istio's by default; the format is detected per record) and
the mesh whose policy objects quarantine writes.`;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

export async function runDemo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      seed: { type: 'string', default: '7' },
      services: { type: 'string', default: '24' },
      'log-level': { type: 'string', default: 'warn' },
      mesh: { type: 'string', default: 'istio' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const durationMs = values.duration ? parseDuration(values.duration, '--duration') : Infinity;
  const mesh = meshOf(values.mesh);
  const port = parsePort(values.port);
  const logLevel = values['log-level'] as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw usageError(`--log-level: one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"\n\n${HELP}`);
  // Embedded mode whatever the config says about Kafka and Redis: one process, state in memory.
  const overrides = {
    redis: { url: '' },
    kafka: { brokers: [] },
    log_level: logLevel,
    http: { host: values.host, ...(port !== undefined ? { port } : {}) },
    // Quarantine writes the simulated mesh's own policy objects (Linkerd's, Consul's, Cilium's...).
    quarantine: { mesh },
    // Simulated traffic: the pods of whatever cluster this machine can reach are not its workloads.
    addresses: { pod_watch: 'off' as const },
  };
  const loaded = await loadConfig({ file: values.config, overrides });
  // The terminal shows one line per incident (the console channel as a line) linking to this process's
  // console, unless the config names the console's external URL.
  const cfg = await loadConfig({
    file: values.config,
    overrides: {
      ...overrides,
      alerts: {
        console_url: loaded.alerts.console_url || `http://localhost:${loaded.http.port}`,
        channels: loaded.alerts.channels.map((c) => (c.type === 'console' ? { ...c, format: 'line' } : c)),
      },
    },
  });

  const counts = new Map<string, number>();
  let quarantined = 0;
  // The service itself, in embedded mode: records go through the bus, the batch scorer and the
  // pipeline exactly as in `meshguard serve`; the demo only feeds the bus and counts what it raised.
  const logger = createLogger(cfg.log_level);
  const service = new Service(cfg, 'all', logger, {
    onIncident: (incident) => {
      counts.set(incident.kind, (counts.get(incident.kind) ?? 0) + 1);
      if (incident.action.type === 'quarantine') quarantined++;
    },
    housekeepingMs: TICK_MS,
  });
  await service.start();
  const bus = service.embeddedBus!;
  const { pipeline, neural } = service.scoringParts!;
  const topic = cfg.kafka.topics.access_logs;

  const start = Date.now();
  const sim = new MeshSimulator({
    seed: Number(values.seed),
    startMs: start - HISTORY_MS,
    services: Number(values.services),
    mesh,
  });
  const send = async (fromMs: number, toMs: number): Promise<void> => {
    const batch: Array<{ key: string | null; value: string }> = [];
    sim.generate(fromMs, toMs, (record) => batch.push({ key: null, value: JSON.stringify(record) }));
    // Records handed to the bus skip the ingest endpoints, which count what they accept: count them here.
    service.metrics.eventsIngested.inc({ source: 'simulator', format: FORMAT_OF_MESH[mesh] }, batch.length);
    // The bus is bounded (it refuses rather than grows): hand over in slices and let it drain.
    for (let i = 0; i < batch.length; i += 2000) {
      await bus.send(topic, batch.slice(i, i + 2000));
      if (bus.pending() > cfg.ingest.max_pending_events / 2) await bus.drain();
    }
  };

  process.stdout.write(
    `meshguard demo: simulated ${mesh} mesh of ${sim.topology.workloads.length} workloads (${FORMAT_OF_MESH[mesh]} records); learning from ${HISTORY_MS / 60_000} minutes of history…\n`,
  );
  await send(start - HISTORY_MS, start);
  await bus.drain();
  for (const s of SCHEDULE) sim.schedule(s.scenario, start + s.afterMs);
  // The neural model learns the history's windows in the background; the detectors do not wait for it.
  if (neural)
    void neural
      .fitNow()
      .then(
        (trained) =>
          trained && logger.info('Neural model trained on the history; it now corroborates findings.'),
      )
      .catch((error: unknown) =>
        logger.warn({ error: (error as Error).message }, 'Neural model training failed.'),
      );
  process.stdout.write(
    `Baselines ready. Streaming live traffic with attacks.\n  console:   http://localhost:${service.port}/ui/\n  metrics:   http://localhost:${service.port}/metrics\n  incidents: http://localhost:${service.port}/api/incidents\n  policies:  ${cfg.quarantine.sink === 'gitops' ? cfg.quarantine.policies_dir : cfg.quarantine.sink}\n\n`,
  );

  let last = start;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopping && Date.now() - start < durationMs) {
    await new Promise((r) => setTimeout(r, TICK_MS));
    const now = Date.now();
    await send(last, now);
    last = now;
    await bus.drain();
  }

  await service.stop();
  const { events, incidents } = pipeline.stats;
  const byKind = [...counts].map(([kind, n]) => `${n} ${kind}`).join(', ');
  process.stdout.write(
    `\nmeshguard demo: ${events} events scored, ${incidents} incidents raised${byKind ? ` (${byKind})` : ''}, ${quarantined} quarantined (${cfg.quarantine.mode}).\n`,
  );
  return 0;
}
