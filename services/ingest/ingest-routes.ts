/**
 * The ingest endpoints as a Fastify plugin: each route hands its raw body to the http source for decoding
 * and validation, then produces the accepted records, dead-letters the rejected ones and answers with both
 * counts. Bodies are never buffered beyond the source's in-flight bound: past it the answer is 429, and
 * 503 while the transport is down, slow or refusing, each with Retry-After.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { deadLetterJson, reasonClass } from '../../pipelines/core/dead-letter.js';
import type { Metrics } from '../../pipelines/core/metrics.js';
import type { ParseOptions } from '../../pipelines/parse/index.js';
import {
  TransportBusyError,
  type OutRecord,
  type RecordProducer,
} from '../../pipelines/sources/bus/types.js';
import {
  HttpError,
  type HttpSource,
  type IngestRequest,
  type Rejection,
  type ValidatedRecords,
} from '../../pipelines/sources/http/index.js';
import { otlpMetricRecords, remoteWriteRecords } from './metric-records.js';

export interface IngestRoutesOptions {
  source: HttpSource;
  producer: RecordProducer;
  /** The producer's dependency name in messages ('kafka' or 'bus'). */
  producerName: string;
  topics: { access_logs: string; metrics: string; dlq: string };
  parseOptions: ParseOptions;
  metrics: Metrics;
  logger: Logger;
}

/** Records handled between two turns of the event loop. */
const SLICE = 200;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** How many rejection reasons a response lists. */
const MAX_ERRORS_IN_RESPONSE = 5;

export function ingestRoutes(options: IngestRoutesOptions): FastifyPluginAsync {
  const { source, producer, producerName, topics, parseOptions, metrics, logger } = options;

  /** Produce within the source's in-flight bound; throws HttpError 429/503 with Retry-After. */
  async function produce(topic: string, records: OutRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (!producer.ready())
      throw new HttpError(503, `${producerName} is unavailable; retry later`, { 'retry-after': '5' });
    const release = source.admit(records.length);
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
      release();
    }
  }

  /** Rejected records go to the DLQ with their reason; a DLQ outage is logged, never fails the request. */
  async function deadLetter(endpoint: string, rejected: Rejection[]): Promise<void> {
    if (rejected.length === 0) return;
    const receivedAt = new Date().toISOString();
    const records: OutRecord[] = [];
    for (let i = 0; i < rejected.length; i++) {
      // A body of thousands of bad records is written in slices, so other requests are served between.
      if (i > 0 && i % SLICE === 0) await nextTurn();
      const r = rejected[i]!;
      records.push({
        key: null,
        value: deadLetterJson(r.record, r.reason, { source: 'http', endpoint, format: r.format }, receivedAt),
      });
    }
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

  /**
   * Per channel (endpoint, and whether its callers hold the token): accepted, ambiguous and rejected
   * records, so a source whose records turn bad or crafted stands out (the MeshguardRecordsRejected alert).
   */
  function countChannel(endpoint: string, accepted: ValidatedRecords['accepted'], rejected: number): void {
    const channel = `http:${endpoint}:${source.requiresToken ? 'token' : 'open'}`;
    let ambiguous = 0;
    for (const r of accepted) if (r.events?.some((e) => e.clientFieldsAmbiguous)) ambiguous++;
    if (accepted.length > ambiguous)
      metrics.channelRecords.inc({ channel, outcome: 'accepted' }, accepted.length - ambiguous);
    if (ambiguous) metrics.channelRecords.inc({ channel, outcome: 'ambiguous' }, ambiguous);
    if (rejected) metrics.channelRecords.inc({ channel, outcome: 'rejected' }, rejected);
  }

  /** The shared tail of every ingest route: produce, dead-letter, count, answer. */
  async function finish(
    reply: FastifyReply,
    topic: string,
    endpoint: string,
    { accepted, rejected }: ValidatedRecords,
  ): Promise<FastifyReply> {
    if (accepted.length === 0 && rejected.length === 0)
      throw new HttpError(400, 'empty body: send at least one record');
    await produce(
      topic,
      accepted.map(({ key, value, events }) => ({ key, value, events })),
    );
    const byFormat = new Map<string, number>();
    for (const r of accepted) byFormat.set(r.format, (byFormat.get(r.format) ?? 0) + 1);
    for (const [format, n] of byFormat) metrics.eventsIngested.inc({ source: 'http', format }, n);
    // Counted per class, one increment each: a body of thousands of rejects costs a handful of updates.
    const byClass = new Map<string, { format: string; reason: string; n: number }>();
    for (const r of rejected) {
      const reason = reasonClass(r.reason);
      const key = `${r.format}\u0000${reason}`;
      const entry = byClass.get(key) ?? { format: r.format, reason, n: 0 };
      entry.n++;
      byClass.set(key, entry);
    }
    for (const { format, reason, n } of byClass.values())
      metrics.eventsRejected.inc({ source: 'http', format, reason }, n);
    countChannel(endpoint, accepted, rejected.length);
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

  const ingestRequest = (request: FastifyRequest): IngestRequest => ({
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    headers: request.headers,
  });

  /** Each request's share of the held-bodies budget, given back once it is answered. */
  const releases = new WeakMap<FastifyRequest, () => void>();

  return async (scope) => {
    scope.removeAllContentTypeParsers();
    // Every body is read by the source as it streams in (size, time, inflation bounded); each route then
    // checks its media type (415) and decodes it.
    scope.addContentTypeParser('*', (request, payload, done) => {
      source.readBody(payload, request.headers, request.routeOptions.url ?? request.url).then(
        ({ body, release }) => {
          releases.set(request, release);
          done(null, body);
        },
        (error: Error) => done(error, undefined),
      );
    });
    scope.addHook('onResponse', async (request) => {
      releases.get(request)?.();
    });
    scope.addHook('onRequest', async (request, reply) => {
      if (!source.authorized(request.headers.authorization)) {
        reply.header('www-authenticate', 'Bearer realm="meshguard-ingest"');
        // The body is never read: the connection closes after the answer.
        reply.header('connection', 'close');
        await reply
          .code(401)
          .send({ statusCode: 401, error: 'Unauthorized', message: 'missing or wrong bearer token' });
      }
    });

    scope.post('/ingest/envoy', async (request, reply) =>
      finish(
        reply,
        topics.access_logs,
        'envoy',
        await source.accessLogs(ingestRequest(request), parseOptions),
      ),
    );
    scope.post('/v1/logs', async (request, reply) =>
      finish(
        reply,
        topics.access_logs,
        'otlp-logs',
        await source.otlpLogs(ingestRequest(request), parseOptions),
      ),
    );
    scope.post('/api/v1/write', async (request, reply) => {
      const body = source.remoteWriteBody(ingestRequest(request));
      return finish(reply, topics.metrics, 'remote-write', remoteWriteRecords(body));
    });
    scope.post('/v1/metrics', async (request, reply) => {
      const json = source.otlpMetricsJson(ingestRequest(request));
      return finish(reply, topics.metrics, 'otlp-metrics', otlpMetricRecords(json));
    });
  };
}
