/**
 * `meshguard serve [--config FILE] [--role ingest|scorer|all] [--port N]`: the service.
 *
 * - Transport: Kafka when `kafka.brokers` (or MESHGUARD_KAFKA_BROKERS) is set, else the embedded bus
 *   (then every role runs in this one process).
 * - State: Redis when `redis.url` (or MESHGUARD_REDIS_URL) is set, else memory.
 * - One HTTP port: ingest endpoints (roles ingest, all), /healthz, /readyz, /metrics, the admin API.
 * - SIGTERM / SIGINT: stop accepting, stop fetching, finish the batch, commit, snapshot state, leave the
 *   group, disconnect; resolves 0. Only main() exits.
 */
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { MeshguardError } from '../pipelines/core/errors.js';
import { loadConfigQuick } from '../config/quick-load.js';
import type { MeshguardConfig } from '../config/schema.js';
import type { ComponentSettings } from '../pipelines/core/component.js';
import type { Incident } from '../pipelines/core/incident.js';
import { createResponders, type Responders } from '../pipelines/responders/index.js';
import { wallClock } from '../pipelines/core/clock.js';
import { Metrics } from '../pipelines/core/metrics.js';
import { MetricSeriesScorer } from '../pipelines/metrics/index.js';
import { createNeuralHook, type NeuralHook } from '../pipelines/runtime/neural.js';
import { createPipeline } from '../pipelines/runtime/pipeline.js';
import type { StateStore } from '../pipelines/core/state-store.js';
import { EmbeddedBus } from '../pipelines/sources/bus/index.js';
import type { RecordProducer } from '../pipelines/sources/bus/types.js';
import { createKafka } from '../pipelines/sources/kafka/client.js';
import { KafkaBatchConsumer } from '../pipelines/sources/kafka/consumer.js';
import { KafkaRecordProducer } from '../pipelines/sources/kafka/producer.js';
import { createStateStore } from '../pipelines/state/index.js';
import { adminRoutes } from './http/admin-routes.js';
import { buildApp } from './ingest/app.js';
import { BatchScorer } from './scorer/batch-scorer.js';
import { parseOptionsOf } from './settings.js';

export type Role = 'ingest' | 'scorer' | 'all';

const HELP = `meshguard serve [--config FILE] [--role ingest|scorer|all] [--port N]

Runs the service. Kafka when kafka.brokers / MESHGUARD_KAFKA_BROKERS is set (else an in-process bus and
every role in this process), Redis when redis.url / MESHGUARD_REDIS_URL is set (else memory).
Environment overrides: MESHGUARD_KAFKA_BROKERS, MESHGUARD_REDIS_URL, MESHGUARD_INGEST_TOKEN,
MESHGUARD_ADMIN_TOKEN, MESHGUARD_POLICIES_DIR.`;

/** How often quarantines past their TTL are released and idle windows closed. */
const HOUSEKEEPING_MS = 5000;

function usage(message: string): MeshguardError {
  return new MeshguardError('MESHGUARD_ERR_CLI_USAGE', `${message}\n\n${HELP}`);
}

export function parseServeArgs(argv: string[]): {
  config?: string;
  role: Role;
  port?: number;
  help: boolean;
} {
  let values: { config?: string; role?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        role: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  const role = values.role ?? 'all';
  if (role !== 'ingest' && role !== 'scorer' && role !== 'all')
    throw usage(`--role: must be ingest, scorer or all, not "${role}"`);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usage(`--port: not a port number: "${values.port}"`);
  }
  return {
    ...(values.config ? { config: values.config } : {}),
    role,
    ...(port !== undefined ? { port } : {}),
    help: !!values.help,
  };
}

export async function runServe(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cfg = await loadConfigQuick(args.config, process.env);
  if (args.port !== undefined) cfg.http.port = args.port;
  const useKafka = cfg.kafka.brokers.length > 0;
  if (!useKafka && args.role !== 'all')
    throw usage(
      `--role ${args.role} needs Kafka (kafka.brokers or MESHGUARD_KAFKA_BROKERS); without it every role runs in one process`,
    );

  // Synchronous logging: the lines before a crash are the ones an operator needs.
  const logger = pino(
    { level: cfg.log_level, base: { service: 'meshguard', role: args.role } },
    pino.destination({ fd: 2, sync: true }),
  );
  const service = new Service(cfg, args.role, logger);
  try {
    await service.start();
  } catch (error) {
    logger.error({ error: (error as Error).message }, 'Start-up failed');
    await service.stop();
    throw error;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'Shutting down');
  await service.stop();
  logger.info('Stopped');
  return 0;
}

/** The running service: its parts and their lifecycle, in start order and reverse stop order. */
export class Service {
  readonly metrics = new Metrics({ defaultMetrics: true });
  private producer: RecordProducer | undefined;
  private kafkaProducer: KafkaRecordProducer | undefined;
  private bus: EmbeddedBus | undefined;
  private consumer: KafkaBatchConsumer | undefined;
  private scorer: BatchScorer | undefined;
  private state: StateStore | undefined;
  private responders: Responders | undefined;
  private neural: NeuralHook | undefined;
  private app: ReturnType<typeof buildApp> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly incidents: Incident[] = [];
  private stopping: Promise<void> | undefined;
  port = 0;

  constructor(
    private readonly cfg: MeshguardConfig,
    private readonly role: Role,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const { cfg, role, logger, metrics } = this;
    const topics = cfg.kafka.topics;
    const scoring = role === 'scorer' || role === 'all';
    const kafka = cfg.kafka.brokers.length ? createKafka(cfg.kafka, logger) : undefined;
    if (kafka) {
      this.kafkaProducer = new KafkaRecordProducer(kafka, cfg.kafka, { logger, metrics });
      await this.kafkaProducer.start();
      this.producer = this.kafkaProducer;
    } else {
      this.bus = new EmbeddedBus({ maxPendingRecords: cfg.ingest.max_pending_events, logger });
      this.producer = this.bus;
      metrics.dependencyUp.set({ dependency: 'kafka' }, 0);
    }
    const producer = this.producer;

    const probes: Record<string, () => boolean> = {};
    if (scoring) {
      this.state = await createStateStore(cfg.redis, { logger, metrics });
      const state = this.state;
      if (cfg.redis.url) probes.redis = () => state.healthy();
      else metrics.dependencyUp.set({ dependency: 'redis' }, 0);
      const settings: ComponentSettings = { logger, clock: wallClock, metrics, state };
      this.responders = createResponders(cfg, settings);
      const responders = this.responders;
      this.neural = await createNeuralHook(cfg, logger);
      const pipeline = createPipeline(
        cfg,
        settings,
        (incident) => this.onIncident(incident, responders, producer),
        {
          wallNowMs: () => Date.now(),
          trackDirtyEntities: true,
          ...(this.neural ? { onFeatures: this.neural.onFeatures } : {}),
        },
      );
      responders.startExpiry();
      // Mesh metrics go through the metric series detectors; their findings join the incidents.
      const seriesScorer = new MetricSeriesScorer({ logger });
      this.scorer = new BatchScorer({
        cfg,
        pipeline,
        state,
        producer,
        metrics,
        logger,
        parseOptions: parseOptionsOf(cfg),
        onMetricSample: (sample) => {
          const findings = seriesScorer.push(sample);
          if (findings.length > 0) pipeline.pushFindings(findings);
        },
        ...(kafka ? { countAs: 'kafka' as const } : {}),
      });
      const scorer = this.scorer;
      if (kafka) {
        this.consumer = new KafkaBatchConsumer(
          kafka,
          cfg.kafka,
          [topics.access_logs, topics.metrics],
          scorer,
          { logger, metrics },
        );
        const consumer = this.consumer;
        probes.scorer = () => consumer.healthy();
      } else {
        this.bus!.subscribe(
          [topics.access_logs, topics.metrics],
          async (records) => {
            await scorer.handle(records);
            await scorer.afterCommit();
          },
          { maxBatch: cfg.kafka.max_batch_events },
        );
        // Rejected records in embedded mode: logged (there is no DLQ topic to read them from).
        this.bus!.subscribe([topics.dlq], async (records) => {
          for (const r of records) logger.warn({ deadLetter: safeJson(r.value) }, 'Rejected record');
        });
      }
      this.timer = setInterval(() => void this.housekeeping(), HOUSEKEEPING_MS);
      this.timer.unref();
    }

    this.app = buildApp(cfg, {
      metrics,
      logger,
      producer,
      producerName: kafka ? 'kafka' : 'bus',
      probes,
      parseOptions: parseOptionsOf(cfg),
      ingestRoutes: role !== 'scorer',
      plugins: this.responders
        ? [
            {
              plugin: adminRoutes,
              options: {
                incidents: {
                  list: () => [...this.incidents].reverse(),
                  get: (id: string) => this.incidents.find((i) => i.id === id),
                },
                quarantine: this.responders.quarantine,
                token: cfg.admin.token,
              },
            },
          ]
        : [],
    });
    await this.app.listen({ host: cfg.http.host, port: cfg.http.port });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : cfg.http.port;

    // The group is joined last: a replica takes partitions only once it can serve its probes.
    if (this.consumer) await this.consumer.start();
    logger.info(
      {
        port: this.port,
        transport: kafka ? 'kafka' : 'embedded-bus',
        state: cfg.redis.url ? 'redis' : 'memory',
        topics: scoring ? [topics.access_logs, topics.metrics] : [],
      },
      'meshguard serve is up',
    );
  }

  /** Incidents from the pipeline (after cross-replica dedup): respond, publish, keep for the API. */
  private async onIncident(
    incident: Incident,
    responders: Responders,
    producer: RecordProducer,
  ): Promise<Incident> {
    const decided = await responders.handle(incident);
    this.incidents.push(decided);
    if (this.incidents.length > this.cfg.incidents.max_kept) this.incidents.shift();
    try {
      await producer.send(this.cfg.kafka.topics.incidents, [
        { key: decided.id, value: JSON.stringify(decided) },
      ]);
    } catch (error) {
      this.logger.error(
        { error: (error as Error).message, incidentId: decided.id },
        'Could not publish the incident to Kafka',
      );
    }
    this.logger.info(
      { incidentId: decided.id, kind: decided.kind, severity: decided.severity, workload: decided.workload },
      'Incident raised',
    );
    return decided;
  }

  private async housekeeping(): Promise<void> {
    try {
      await this.scorer?.tick();
      await this.responders?.quarantine.expireDue(Date.now());
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'Housekeeping failed');
    }
  }

  /** Idempotent; safe after a partial start. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      // Stop taking new records, then let the running batch finish, commit and leave the group.
      await this.app?.close().catch(() => undefined);
      this.neural?.stop();
      await this.consumer?.shutdown();
      await this.bus?.shutdown();
      await this.scorer?.flush().catch(() => undefined);
      await this.responders?.shutdown().catch(() => undefined);
      await this.kafkaProducer?.shutdown();
      await this.state?.close().catch(() => undefined);
      if (this.scorer)
        this.logger.info(
          { scored: this.scorer.scored, rejected: this.scorer.rejected, incidents: this.incidents.length },
          'Scorer totals',
        );
    })();
    return this.stopping;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
