/**
 * The HTTP source without the HTTP server: what a POSTed body must look like on each ingest endpoint, how it
 * is decoded into records, who may post and how many records may be in flight. The Fastify routes
 * (services/ingest) hand each request here and produce what comes back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Component } from '../../core/component.js';
import type { ParseOptions } from '../../parse/index.js';
import { bearerMatches } from './auth.js';
import { decodeBody, requireMediaType } from './body.js';
import type { IngestConfig } from './config.js';
import { HttpError } from './http-error.js';
import { splitBody, validateLogRecords, type ValidatedRecords } from './log-records.js';

/** One POST as the routes hand it over: the raw (possibly compressed) bytes and the request's headers. */
export interface IngestRequest {
  body: Buffer;
  headers: IncomingHttpHeaders;
}

/** What log shippers send as lines or arrays (Fluent Bit, Vector, the OTel collector's file exporter). */
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

export class HttpSource implements Component {
  /** Records handed to the transport and not yet acknowledged. */
  private pending = 0;

  constructor(private readonly config: IngestConfig) {}

  /** The Fastify server owns the socket; there is nothing to start or flush here. */
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  /** Whether a request may post: it carries `ingest.token`, or no token is configured (open ingest). */
  authorized(authorization: string | undefined): boolean {
    return this.config.token === '' || bearerMatches(authorization, this.config.token);
  }

  /**
   * Admit `count` records to the transport, or refuse with 429 when more than `max_pending_events` would be
   * in flight. Call the returned release once the send has settled, whatever its outcome.
   */
  admit(count: number): () => void {
    if (this.pending + count > this.config.max_pending_events)
      throw new HttpError(429, `too many records in flight (${this.pending}); retry later`, {
        'retry-after': '1',
      });
    this.pending += count;
    return () => {
      this.pending -= count;
    };
  }

  /** POST /ingest/envoy: NDJSON, text lines or a JSON array of access-log records, maybe gzipped. */
  accessLogs(request: IngestRequest, parseOptions: ParseOptions): ValidatedRecords {
    requireMediaType(request.headers['content-type'], LOG_TYPES, '/ingest/envoy');
    const body = this.decode(request, ['identity', 'gzip', 'x-gzip']);
    let records: string[];
    try {
      records = splitBody(body.toString('utf8'));
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
    return validateLogRecords(records, parseOptions);
  }

  /** POST /v1/logs: one OTLP/HTTP JSON ExportLogsServiceRequest. */
  otlpLogs(request: IngestRequest, parseOptions: ParseOptions): ValidatedRecords {
    this.refuseOtlpProtobuf(request, '/v1/logs', 'logs');
    const text = this.decode(request, ['identity', 'gzip']).toString('utf8');
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
    return validateLogRecords([text], parseOptions);
  }

  /** POST /api/v1/write: the uncompressed Prometheus remote_write 0.1.0 WriteRequest bytes. */
  remoteWriteBody(request: IngestRequest): Buffer {
    requireMediaType(
      request.headers['content-type'],
      ['application/x-protobuf'],
      '/api/v1/write (Prometheus remote_write)',
    );
    const version = request.headers['x-prometheus-remote-write-version'];
    if (typeof version === 'string' && version !== '' && !version.startsWith('0.1'))
      throw new HttpError(415, `remote_write version ${version} is not supported (0.1.0 is)`);
    // remote_write 0.1.0 bodies are always snappy block-compressed; a missing header still means snappy.
    const encoding = request.headers['content-encoding'] ?? 'snappy';
    return decodeBody(request.body, encoding, this.config.body_limit_bytes, ['snappy']);
  }

  /** POST /v1/metrics: the parsed OTLP/HTTP JSON ExportMetricsServiceRequest. */
  otlpMetricsJson(request: IngestRequest): unknown {
    this.refuseOtlpProtobuf(request, '/v1/metrics', 'metrics');
    const body = this.decode(request, ['identity', 'gzip']);
    try {
      return JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new HttpError(
        400,
        `body is not valid JSON (OTLP ExportMetricsServiceRequest expected): ${(error as Error).message}`,
      );
    }
  }

  private decode(request: IngestRequest, encodings: readonly string[]): Buffer {
    return decodeBody(
      request.body,
      request.headers['content-encoding'],
      this.config.body_limit_bytes,
      encodings,
    );
  }

  /** OTLP endpoints take JSON; protobuf gets a 415 that says how to configure the exporter. */
  private refuseOtlpProtobuf(request: IngestRequest, endpoint: string, signal: string): void {
    const type = requireMediaType(
      request.headers['content-type'],
      ['application/json', 'application/x-protobuf'],
      endpoint,
    );
    if (type === 'application/x-protobuf')
      throw new HttpError(
        415,
        `OTLP/HTTP protobuf ${signal} are not supported; configure the exporter with encoding: json`,
      );
  }
}
