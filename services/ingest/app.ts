/**
 * The ingest HTTP service: validates and normalizes access logs and mesh metrics pushed by shippers and
 * produces them to Kafka (or the embedded bus), plus the health, readiness and metrics endpoints that
 * every meshguard process serves on its one port.
 *
 *   GET  /healthz          process alive
 *   GET  /readyz           200, or 503 naming the dependency that is down (kafka/bus, redis, ...)
 *   GET  /metrics          Prometheus exposition
 *   POST /ingest/envoy     NDJSON / text lines / JSON array of access-log records
 *   POST /v1/logs          OTLP/HTTP JSON logs (ExportLogsServiceRequest)
 *   POST /api/v1/write     Prometheus remote_write 0.1.0 (snappy protobuf)
 *   POST /v1/metrics       OTLP/HTTP JSON metrics (ExportMetricsServiceRequest)
 *
 * Back-pressure: at most `ingest.max_pending_events` records are in flight to the transport; beyond that
 * the answer is 429 with Retry-After, and 503 with Retry-After while the transport is down or slow.
 * Nothing is buffered without bound.
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../../config/schema.js';
import { parseOptionsOf, type ParseOptions } from '../../pipelines/parse/index.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import {
  TransportBusyError,
  type OutRecord,
  type RecordProducer,
} from '../../pipelines/sources/bus/types.js';
import { bearerMatches } from './auth.js';
import { HttpError, decodeBody, requireMediaType } from './body.js';
import { splitBody, validateLogRecords, type Rejection, type ValidatedRecords } from './log-records.js';
import { otlpMetricRecords, remoteWriteRecords } from './metric-records.js';
import { reasonClass } from './reason-class.js';

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

/** How many rejection reasons a response lists. */
const MAX_ERRORS_IN_RESPONSE = 5;
/** A DLQ record keeps at most this much of the original text. */
const MAX_DLQ_RECORD_CHARS = 64 * 1024;

const LOG_TYPES = [
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonlines',
  'application/json-lines',
  'application/x-jsonlines',
  'application/json',
  'application/x-json-stream',
  'text/plain',
];

export function buildApp(cfg: MeshguardConfig, deps: IngestDeps): FastifyInstance {
  const { metrics, logger, producer } = deps;
  const producerName = deps.producerName ?? 'kafka';
  const topics = cfg.kafka.topics;
  const parseOptions: ParseOptions = deps.parseOptions ?? parseOptionsOf(cfg);
  const limit = cfg.ingest.body_limit_bytes;
  let pending = 0;

  const app = Fastify({
    loggerInstance: logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines would drown the logs at ingest rates; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limit,
    return503OnClosing: true,
  });

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

  /** Produce with back-pressure; throws HttpError 429/503 with Retry-After. */
  async function produce(topic: string, records: OutRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!producer.ready())
      throw new HttpError(503, `${producerName} is unavailable; retry later`, { 'retry-after': '5' });
    if (pending + records.length > cfg.ingest.max_pending_events)
      throw new HttpError(429, `too many records in flight (${pending}); retry later`, {
        'retry-after': '1',
      });
    pending += records.length;
    try {
      await producer.send(topic, records);
    } catch (error) {
      if (error instanceof TransportBusyError)
        throw new HttpError(error.kind === 'full' ? 429 : 503, error.message, {
          'retry-after': String(error.retryAfterSecs),
        });
      throw new HttpError(503, `${producerName} refused the records: ${(error as Error).message}`, {
        'retry-after': '5',
      });
    } finally {
      pending -= records.length;
    }
  }

  /** Shared tail of every ingest route: produce, dead-letter, count, answer. */
  async function finish(
    reply: FastifyReply,
    topic: string,
    endpoint: string,
    result: ValidatedRecords,
  ): Promise<FastifyReply> {
    const { accepted, rejected } = result;
    if (accepted.length === 0 && rejected.length === 0)
      throw new HttpError(400, 'empty body: send at least one record');
    await produce(
      topic,
      accepted.map(({ key, value, events }) => ({ key, value, events })),
    );
    const byFormat = new Map<string, number>();
    for (const r of accepted) byFormat.set(r.format, (byFormat.get(r.format) ?? 0) + 1);
    for (const [format, n] of byFormat) metrics.eventsIngested.inc({ source: 'http', format }, n);
    for (const r of rejected)
      metrics.eventsRejected.inc({ source: 'http', format: r.format, reason: reasonClass(r.reason) });
    await deadLetter(endpoint, rejected);
    const errors = rejected.slice(0, MAX_ERRORS_IN_RESPONSE).map(({ index, reason }) => ({ index, reason }));
    if (accepted.length === 0) {
      return reply.code(400).send({
        statusCode: 400,
        error: 'Bad Request',
        code: 'MESHGUARD_ERR_INPUT',
        message: `no valid records in the body (${rejected.length} rejected); first: ${rejected[0]!.reason}`,
        accepted: 0,
        rejected: rejected.length,
        errors,
      });
    }
    return reply.code(200).send({ accepted: accepted.length, rejected: rejected.length, errors });
  }

  /** Rejected records go to the DLQ with their reason; a DLQ outage is logged, never fails the request. */
  async function deadLetter(endpoint: string, rejected: Rejection[]): Promise<void> {
    if (rejected.length === 0) return;
    const receivedAt = new Date().toISOString();
    const records = rejected.map((r) => ({
      key: null,
      value: JSON.stringify({
        reason: r.reason,
        source: 'http',
        endpoint,
        format: r.format,
        receivedAt,
        record: r.record.length > MAX_DLQ_RECORD_CHARS ? r.record.slice(0, MAX_DLQ_RECORD_CHARS) : r.record,
        ...(r.record.length > MAX_DLQ_RECORD_CHARS ? { truncated: true } : {}),
      }),
    }));
    try {
      await producer.send(topics.dlq, records);
      metrics.deadLettered.inc({ destination: 'kafka' }, records.length);
    } catch (error) {
      logger.warn(
        { error: (error as Error).message, records: records.length },
        'Could not write rejected records to the dead-letter topic',
      );
    }
  }

  const ingest: FastifyPluginAsync = async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every body arrives raw: each route checks its own media type (415) and decodes its encoding.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.addHook('onRequest', async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, cfg.ingest.token)) {
        reply.header('www-authenticate', 'Bearer realm="meshguard-ingest"');
        await reply
          .code(401)
          .send({ statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' });
      }
    });

    const rawBody = (request: FastifyRequest): Buffer =>
      Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);

    scope.post('/ingest/envoy', async (request, reply) => {
      requireMediaType(request.headers['content-type'], LOG_TYPES, '/ingest/envoy');
      const body = decodeBody(rawBody(request), request.headers['content-encoding'], limit, [
        'identity',
        'gzip',
        'x-gzip',
      ]);
      let records: string[];
      try {
        records = splitBody(body.toString('utf8'));
      } catch (error) {
        throw new HttpError(400, (error as Error).message);
      }
      return finish(reply, topics.access_logs, 'envoy', validateLogRecords(records, parseOptions));
    });

    scope.post('/v1/logs', async (request, reply) => {
      const type = requireMediaType(
        request.headers['content-type'],
        ['application/json', 'application/x-protobuf'],
        '/v1/logs',
      );
      if (type === 'application/x-protobuf')
        throw new HttpError(
          415,
          'OTLP/HTTP protobuf logs are not supported; configure the exporter with encoding: json',
        );
      const body = decodeBody(rawBody(request), request.headers['content-encoding'], limit, [
        'identity',
        'gzip',
      ]);
      const text = body.toString('utf8');
      try {
        JSON.parse(text);
      } catch (error) {
        throw new HttpError(
          400,
          `body is not valid JSON (OTLP ExportLogsServiceRequest expected): ${(error as Error).message}`,
        );
      }
      if (!text.includes('"resourceLogs"'))
        throw new HttpError(400, 'body has no resourceLogs (OTLP ExportLogsServiceRequest expected)');
      return finish(reply, topics.access_logs, 'otlp-logs', validateLogRecords([text], parseOptions));
    });

    scope.post('/api/v1/write', async (request, reply) => {
      requireMediaType(
        request.headers['content-type'],
        ['application/x-protobuf'],
        '/api/v1/write (Prometheus remote_write)',
      );
      const version = request.headers['x-prometheus-remote-write-version'];
      if (typeof version === 'string' && version !== '' && !version.startsWith('0.1'))
        throw new HttpError(415, `remote_write version ${version} is not supported (0.1.0 is)`);
      // remote_write 0.1.0 bodies are always snappy block-compressed; a missing header still means snappy.
      const body = decodeBody(rawBody(request), request.headers['content-encoding'] ?? 'snappy', limit, [
        'snappy',
      ]);
      return finish(reply, topics.metrics, 'remote-write', remoteWriteRecords(body));
    });

    scope.post('/v1/metrics', async (request, reply) => {
      const type = requireMediaType(
        request.headers['content-type'],
        ['application/json', 'application/x-protobuf'],
        '/v1/metrics',
      );
      if (type === 'application/x-protobuf')
        throw new HttpError(
          415,
          'OTLP/HTTP protobuf metrics are not supported; configure the exporter with encoding: json',
        );
      const body = decodeBody(rawBody(request), request.headers['content-encoding'], limit, [
        'identity',
        'gzip',
      ]);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new HttpError(
          400,
          `body is not valid JSON (OTLP ExportMetricsServiceRequest expected): ${(error as Error).message}`,
        );
      }
      return finish(reply, topics.metrics, 'otlp-metrics', otlpMetricRecords(json));
    });
  };
  if (deps.ingestRoutes !== false) void app.register(ingest);
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
