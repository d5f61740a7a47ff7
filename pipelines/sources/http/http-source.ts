/**
 * The HTTP source without the HTTP server: what a POSTed body must look like on each ingest endpoint, how it
 * is decoded into records, who may post and how many records may be in flight. The Fastify routes
 * (services/ingest) hand each request here and produce what comes back.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Component } from '../../core/component.js';
import type { ParseOptions } from '../../parse/index.js';
import { bearerMatches } from './auth.js';
import { readBody, requireEncoding, requireMediaType, unsnappy } from './body.js';
import type { IngestConfig } from './config.js';
import { HttpError } from './http-error.js';
import { splitBody, validateLogRecords, type ValidatedRecords } from './log-records.js';

/** One POST as the routes hand it over: its body (read and inflated by readBody) and the request's headers. */
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

/**
 * The media types a web page can POST cross-origin without a CORS preflight: any page open in a browser
 * inside the network could post them, so they are accepted only from a caller that holds the token.
 */
export const BROWSER_SIMPLE_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

/** The Content-Encodings each endpoint takes (remote_write's snappy is uncompressed by remoteWriteBody). */
const ENCODINGS: Record<string, readonly string[]> = {
  '/ingest/envoy': ['identity', 'gzip', 'x-gzip'],
  '/v1/logs': ['identity', 'gzip'],
  '/v1/metrics': ['identity', 'gzip'],
  '/api/v1/write': ['snappy', 'identity'],
};

export class HttpSource implements Component {
  /** Records handed to the transport and not yet acknowledged. */
  private pending = 0;
  /** Bytes of request bodies held in memory right now, across requests. */
  private buffered = 0;

  constructor(private readonly config: IngestConfig) {}

  /** The Fastify server owns the socket; there is nothing to start or flush here. */
  async start(): Promise<void> {}
  async shutdown(): Promise<void> {}

  /** Whether every request must carry `ingest.token` (what the `http:<endpoint>:<token|open>` channel says). */
  get requiresToken(): boolean {
    return this.config.token !== '';
  }

  /** Whether a request may post: it carries `ingest.token`, or no token is configured (open ingest). */
  authorized(authorization: string | undefined): boolean {
    return this.config.token === '' || bearerMatches(authorization, this.config.token);
  }

  /**
   * Read an endpoint's body from the socket: the encoding checked (415), gzip inflated as it arrives, the
   * body limit (413), the body timeout (408) and the process-wide budget of held bodies (503) enforced.
   * Call the returned release when the request is answered.
   */
  async readBody(
    stream: Readable,
    headers: IncomingHttpHeaders,
    endpoint: string,
  ): Promise<{ body: Buffer; release: () => void }> {
    // remote_write 0.1.0 bodies are always snappy block-compressed; a missing header still means snappy.
    const fallback = endpoint === '/api/v1/write' ? 'snappy' : undefined;
    const encoding = requireEncoding(
      headers['content-encoding'] ?? fallback,
      ENCODINGS[endpoint] ?? ['identity'],
    );
    const declared = Number(headers['content-length']);
    let held = 0;
    const release = (): void => {
      this.buffered -= held;
      held = 0;
    };
    try {
      const body = await readBody(stream, encoding, Number.isFinite(declared) ? declared : undefined, {
        limitBytes: this.config.body_limit_bytes,
        timeoutMs: this.config.body_timeout_ms,
        hold: (bytes) => {
          if (this.buffered + bytes > this.config.max_buffered_bytes) return false;
          this.buffered += bytes;
          held += bytes;
          return true;
        },
      });
      return { body, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Admit `count` records to the transport, or refuse with 429 when more than `max_pending_events` would be
   * in flight. Call the returned release once the send has settled, whatever its outcome.
   */
  admit(count: number): () => void {
    this.refuseWhenFull(count);
    this.pending += count;
    return () => {
      this.pending -= count;
    };
  }

  /** POST /ingest/envoy: NDJSON, text lines or a JSON array of access-log records. */
  async accessLogs(request: IngestRequest, parseOptions: ParseOptions): Promise<ValidatedRecords> {
    const type = requireMediaType(request.headers['content-type'], LOG_TYPES, '/ingest/envoy');
    if (this.config.token === '' && BROWSER_SIMPLE_TYPES.includes(type))
      throw new HttpError(
        415,
        `Content-Type ${type} is accepted only with an ingest token (any web page can post it); send application/x-ndjson or configure ingest.token`,
      );
    let records: string[];
    try {
      records = splitBody(request.body.toString('utf8'));
    } catch (error) {
      throw new HttpError(400, (error as Error).message);
    }
    // Counted before any record is parsed: a body that could never be admitted costs no parsing.
    this.refuseOversized(records.length);
    this.refuseWhenFull(records.length);
    return validateLogRecords(records, parseOptions, this.config.max_record_bytes);
  }

  /** POST /v1/logs: one OTLP/HTTP JSON ExportLogsServiceRequest. */
  async otlpLogs(request: IngestRequest, parseOptions: ParseOptions): Promise<ValidatedRecords> {
    this.refuseOtlpProtobuf(request, '/v1/logs', 'logs');
    const text = request.body.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new HttpError(
        400,
        `body is not valid JSON (OTLP ExportLogsServiceRequest expected): ${(error as Error).message}`,
      );
    }
    if (!text.includes('"resourceLogs"'))
      throw new HttpError(400, 'body has no resourceLogs (OTLP ExportLogsServiceRequest expected)');
    const count = countOtlpLogRecords(parsed);
    this.refuseOversized(count);
    this.refuseWhenFull(count);
    return validateLogRecords([text], parseOptions, this.config.max_record_bytes);
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
    if ((request.headers['content-encoding'] ?? 'snappy').trim().toLowerCase() === 'identity')
      return request.body;
    return unsnappy(request.body, this.config.body_limit_bytes);
  }

  /** POST /v1/metrics: the parsed OTLP/HTTP JSON ExportMetricsServiceRequest. */
  otlpMetricsJson(request: IngestRequest): unknown {
    this.refuseOtlpProtobuf(request, '/v1/metrics', 'metrics');
    try {
      return JSON.parse(request.body.toString('utf8'));
    } catch (error) {
      throw new HttpError(
        400,
        `body is not valid JSON (OTLP ExportMetricsServiceRequest expected): ${(error as Error).message}`,
      );
    }
  }

  private refuseOversized(count: number): void {
    if (count > this.config.max_records_per_request)
      throw new HttpError(
        413,
        `body holds ${count} records, more than ingest.max_records_per_request (${this.config.max_records_per_request}); send smaller batches`,
      );
  }

  private refuseWhenFull(count: number): void {
    if (this.pending + count > this.config.max_pending_events)
      throw new HttpError(429, `too many records in flight (${this.pending}); retry later`, {
        'retry-after': '1',
      });
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

/** How many log records an OTLP ExportLogsServiceRequest holds (0 when it is not one). */
function countOtlpLogRecords(request: unknown): number {
  let count = 0;
  const resourceLogs = (request as { resourceLogs?: unknown } | null)?.resourceLogs;
  if (!Array.isArray(resourceLogs)) return 0;
  for (const rl of resourceLogs) {
    const scopeLogs = (rl as { scopeLogs?: unknown } | null)?.scopeLogs;
    if (!Array.isArray(scopeLogs)) continue;
    for (const sl of scopeLogs) {
      const logRecords = (sl as { logRecords?: unknown } | null)?.logRecords;
      if (Array.isArray(logRecords)) count += logRecords.length;
    }
  }
  return count;
}
