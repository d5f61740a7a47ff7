/**
 * The HTTP service on meshguard's one port: the ingest endpoints of the http source, plus the health,
 * readiness and metrics endpoints every meshguard process serves, plus any extra plugins (the admin API).
 *
 *   GET  /healthz          process alive
 *   GET  /readyz           200, or 503 naming the dependency that is down (kafka/bus, redis, ...)
 *   GET  /metrics          Prometheus exposition
 *   POST /ingest/envoy     NDJSON / text lines / JSON array of access-log records
 *   POST /v1/logs          OTLP/HTTP JSON logs (ExportLogsServiceRequest)
 *   POST /api/v1/write     Prometheus remote_write 0.1.0 (snappy protobuf)
 *   POST /v1/metrics       OTLP/HTTP JSON metrics (ExportMetricsServiceRequest)
 *
 * What each endpoint accepts, its limits and its back-pressure: pipelines/sources/http/README.md.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../../config/schema.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import { parseOptionsOf, type ParseOptions } from '../../pipelines/parse/index.js';
import type { RecordProducer } from '../../pipelines/sources/bus/types.js';
import { HttpError, HttpSource } from '../../pipelines/sources/http/index.js';
import { ingestRoutes } from './ingest-routes.js';

export interface IngestDeps {
  metrics: Metrics;
  logger: Logger;
  /** Kafka producer or the embedded bus. */
  producer: RecordProducer;
  /** Name of the producer's dependency in /readyz and logs ('kafka' or 'bus'). */
  producerName?: string;
  /** Extra readiness probes by dependency name (e.g. redis: () => store.healthy()). */
  probes?: Record<string, () => boolean>;
  /** Extra plugins on the same port (the admin API). */
  // The options type varies per plugin; each plugin validates its own.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  plugins?: Array<{ plugin: FastifyPluginAsync<any>; options?: Record<string, unknown> }>;
  parseOptions?: ParseOptions;
  /** Serve the ingest endpoints (false for a scorer-only process: health, metrics and admin only). */
  ingestRoutes?: boolean;
}

export function buildApp(cfg: MeshguardConfig, deps: IngestDeps): FastifyInstance {
  const { metrics, logger, producer } = deps;
  const producerName = deps.producerName ?? 'kafka';

  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines would drown the logs at ingest rates; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: cfg.ingest.body_limit_bytes,
    return503OnClosing: true,
    // Slow clients cannot hold connections open: idle sockets close, whole requests have a deadline.
    connectionTimeout: cfg.http.idle_timeout_ms,
    requestTimeout: cfg.http.request_timeout_ms,
    // Kept-alive sockets live as long as any idle one: closing them sooner races the clients that
    // reuse them (a shipper's or a probe's request lands on a socket being closed: ECONNRESET).
    keepAliveTimeout: cfg.http.idle_timeout_ms,
  });
  app.server.headersTimeout = Math.min(cfg.http.request_timeout_ms, 60_000);
  // Past the cap Node closes new connections on arrival: a flood of sockets cannot exhaust the process.
  app.server.maxConnections = cfg.http.max_connections;

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error instanceof HttpError ? error.statusCode : (error.statusCode ?? 500);
    if (error instanceof HttpError) reply.headers(error.headers);
    if (status >= 500) request.log.error({ error: error.message, url: request.url }, 'Request failed');
    void reply.code(status).send({
      statusCode: status,
      error: status === 413 ? 'Payload Too Large' : status >= 500 ? 'Service Unavailable' : 'Bad Request',
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
    });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, boolean> = { [producerName]: producer.ready() };
    for (const [name, probe] of Object.entries(deps.probes ?? {})) checks[name] = safeProbe(probe);
    const down = Object.keys(checks).filter((name) => !checks[name]);
    metrics.dependencyUp.set({ dependency: producerName }, checks[producerName] ? 1 : 0);
    if (down.length) return reply.code(503).send({ status: 'unavailable', down, checks });
    return { status: 'ready', checks };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  if (deps.ingestRoutes !== false)
    void app.register(
      ingestRoutes({
        source: new HttpSource(cfg.ingest),
        producer,
        producerName,
        topics: cfg.kafka.topics,
        parseOptions: deps.parseOptions ?? parseOptionsOf(cfg),
        metrics,
        logger,
      }),
    );
  for (const { plugin, options } of deps.plugins ?? []) void app.register(plugin, options ?? {});
  return app as unknown as FastifyInstance;
}

function safeProbe(probe: () => boolean): boolean {
  try {
    return probe();
  } catch {
    return false;
  }
}
