/**
 * The running `meshguard serve` process: its parts and their lifecycle. The parts come from the
 * assembly (pipeline, responders, state) and the transport the config names (Kafka or the embedded
 * bus); this module owns the order they start and stop in, the readiness probes and the housekeeping.
 *
 * - One HTTP port: ingest endpoints (roles ingest, all), /healthz, /readyz, /metrics, the admin API.
 * - Start: transport → scoring parts → HTTP → (last) the consumer group, so a replica takes partitions
 *   only once it can serve its probes.
 * - Stop: stop accepting, stop fetching, finish the batch, commit, snapshot state, leave the group,
 *   disconnect. Idempotent, and safe after a partial start.
 */
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../config/schema.js';
import type { Incident } from '../pipelines/core/incident.js';
import { Metrics } from '../pipelines/core/metrics.js';
import { assemble, type Assembly } from './assembly/assemble.js';
import { enableTracing } from '../pipelines/core/tracing.js';
import { parseOptionsOf } from '../pipelines/parse/index.js';
import type { EmbeddedBus } from '../pipelines/sources/bus/embedded-bus.js';
import type { Source } from '../pipelines/sources/source.js';
import { openTransport, type Transport } from './assembly/transport.js';
import { adminRoutes } from './http/admin-routes.js';
import { consoleRoutes } from './http/console/routes.js';
import { buildApp } from './ingest/app.js';
import { BatchScorer } from './scorer/batch-scorer.js';
import { checkPosture, unauthenticatedInput } from './posture.js';
import { finishesWithin } from './deadline.js';
import { PodWatch, podWatchKubeconfig, podWatchWanted } from './assembly/pod-watch.js';

export type Role = 'ingest' | 'scorer' | 'all';

export interface ServiceOptions {
  /** Also called with every incident the responders decided (the demo prints it). */
  onIncident?: (incident: Incident) => void;
  /** How often idle streams have their windows closed and quarantines past their TTL released. */
  housekeepingMs?: number;
}

const HOUSEKEEPING_MS = 5000;

export class Service {
  readonly metrics = new Metrics({ defaultMetrics: true });
  private transport: Transport | undefined;
  private scoring: Assembly | undefined;
  private scorer: BatchScorer | undefined;
  private podWatch: PodWatch | undefined;
  private app: ReturnType<typeof buildApp> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly incidents: Incident[] = [];
  private stopping: Promise<void> | undefined;
  port = 0;

  constructor(
    private readonly cfg: Readonly<MeshguardConfig>,
    private readonly role: Role,
    private readonly logger: Logger,
    private readonly options: ServiceOptions = {},
  ) {}

  /** The scoring parts once started (role scorer or all): pipeline, responders, neural model. */
  get scoringParts(): Assembly | undefined {
    return this.scoring;
  }

  /** The Kubernetes pod watch feeding the address bindings, when on (see addresses.pod_watch). */
  get pods(): PodWatch | undefined {
    return this.podWatch;
  }

  /** The in-process bus when no Kafka is configured: where records can be handed in directly. */
  get embeddedBus(): EmbeddedBus | undefined {
    return this.transport?.kind === 'bus' ? this.transport.producer : undefined;
  }

  async start(): Promise<void> {
    await enableTracing();
    const { cfg, role, logger, metrics } = this;
    const topics = cfg.kafka.topics;
    await checkPosture(cfg, { logger, metrics, servesIngest: role !== 'scorer' });
    this.transport = await openTransport(cfg, { logger, metrics });
    const transport = this.transport;
    const probes: Record<string, () => boolean> = {};
    if (role === 'scorer' || role === 'all') {
      this.scoring = await this.startScoring(transport);
      if (cfg.redis.url) probes.redis = () => this.scoring!.settings.state.healthy();
      else metrics.dependencyUp.set({ dependency: 'redis' }, 0);
      if (transport.kind === 'kafka') probes.scorer = () => transport.source.healthy();
    }
    const responders = this.scoring?.responders;
    this.app = buildApp(cfg, {
      metrics,
      logger,
      producer: transport.producer,
      producerName: transport.kind,
      probes,
      parseOptions: parseOptionsOf(cfg),
      ingestRoutes: role !== 'scorer',
      plugins: responders
        ? [
            {
              plugin: adminRoutes,
              options: {
                incidents: {
                  list: () => [...this.incidents].reverse(),
                  get: (id: string) => this.incidents.find((i) => i.id === id),
                },
                quarantine: responders.quarantine,
                ...(responders.leastPrivilege ? { leastPrivilege: responders.leastPrivilege.verifier } : {}),
                token: cfg.admin.token,
                history: this.scoring?.pipeline.history,
                alertDeliveries: (id: string) => responders.alerts.deliveries?.(id) ?? [],
              },
            },
            // The incident console: a page that reads the admin API above like any client.
            { plugin: consoleRoutes, options: {} },
          ]
        : [],
    });
    await this.app.listen({ host: cfg.http.host, port: cfg.http.port });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : cfg.http.port;

    // The group is joined last: a replica takes partitions only once it can serve its probes.
    if (this.scorer) await transport.source.start();
    logger.info(
      {
        port: this.port,
        transport: transport.kind === 'kafka' ? 'kafka' : 'embedded-bus',
        state: cfg.redis.url ? 'redis' : 'memory',
        topics: this.scorer ? [topics.access_logs, topics.metrics] : [],
      },
      'meshguard serve is up',
    );
  }

  /** The pipeline and its responders, fed by the transport's source through the batch scorer. */
  private async startScoring(transport: Transport): Promise<Assembly> {
    const { cfg, logger, metrics } = this;
    const scoring = await assemble(cfg, {
      logger,
      metrics,
      onIncident: (incident) => this.publish(incident, transport),
      expiryIntervalMs: this.housekeepingMs,
      metricSeries: true,
      keepHistory: true,
      unauthenticatedInput: unauthenticatedInput(cfg),
    });
    const onMetricSample = scoring.onMetricSample!;
    const { pipeline, responders, settings } = scoring;
    await responders.start();
    // Pod addresses from the API server before the first record is scored (the watch retries on its own).
    if (podWatchWanted(cfg)) {
      this.podWatch = new PodWatch(pipeline.addressBindings, {
        logger,
        metrics,
        clock: settings.clock,
        kubeconfigPath: podWatchKubeconfig(cfg),
      });
      await this.podWatch.start();
    }
    this.scorer = new BatchScorer({
      cfg,
      pipeline,
      state: settings.state,
      producer: transport.producer,
      metrics,
      logger,
      parseOptions: parseOptionsOf(cfg),
      onMetricSample,
      ...(transport.kind === 'kafka' ? { countAs: 'kafka' as const } : {}),
    });
    transport.source.attach(this.scorer);
    if (transport.kind === 'bus')
      // Rejected records in embedded mode: logged (there is no DLQ topic to read them from).
      transport.producer.subscribe([cfg.kafka.topics.dlq], async (records) => {
        for (const r of records) logger.warn({ deadLetter: safeJson(r.value) }, 'Rejected record');
      });
    const scorer = this.scorer;
    this.timer = setInterval(() => void this.closeIdleWindows(scorer), this.housekeepingMs);
    this.timer.unref();
    return scoring;
  }

  /** An incident the responders decided (after cross-replica dedup): keep it for the API, publish it. */
  private get housekeepingMs(): number {
    return this.options.housekeepingMs ?? HOUSEKEEPING_MS;
  }

  private async publish(decided: Incident, transport: Transport): Promise<void> {
    this.options.onIncident?.(decided);
    // An escalation keeps its incident's id: the API shows its latest state once, as the newest.
    const earlier = this.incidents.findIndex((i) => i.id === decided.id);
    if (earlier >= 0) this.incidents.splice(earlier, 1);
    this.incidents.push(decided);
    if (this.incidents.length > this.cfg.incidents.max_kept) this.incidents.shift();
    try {
      await transport.producer.send(this.cfg.kafka.topics.incidents, [
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
  }

  private async closeIdleWindows(scorer: BatchScorer): Promise<void> {
    try {
      const source: Source | undefined = this.transport?.source;
      await scorer.tick(source?.fetching?.() ?? true);
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
      this.scoring?.neural?.stop();
      await this.podWatch?.stop();
      // Leaving the group or flushing to a dead cluster can wait on kafkajs retries for minutes. A member
      // that does not leave is evicted after the session timeout, and its uncommitted records are read
      // again by the next owner: waiting longer than a few seconds buys nothing.
      const kafkaGraceMs = Math.min(this.cfg.kafka.session_timeout_ms, 5_000);
      if (this.transport)
        await this.boundedStep('Kafka consumer shutdown', kafkaGraceMs, this.transport.source.shutdown());
      await this.scorer?.flush().catch(() => undefined);
      await this.scoring?.responders.shutdown().catch(() => undefined);
      if (this.transport?.kind === 'kafka')
        await this.boundedStep('Kafka producer shutdown', kafkaGraceMs, this.transport.producer.shutdown());
      await this.scoring?.shutdown();
      if (this.scorer)
        this.logger.info(
          { scored: this.scorer.scored, rejected: this.scorer.rejected, incidents: this.incidents.length },
          'Scorer totals',
        );
    })();
    return this.stopping;
  }

  /** Waits for one shutdown step at most `ms`, then logs what was left behind and moves on. */
  private async boundedStep(step: string, ms: number, work: Promise<void>): Promise<void> {
    if (!(await finishesWithin(work, ms)))
      this.logger.warn({ step, waitedMs: ms }, 'Shutdown step overran; moving on');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
