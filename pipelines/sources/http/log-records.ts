/**
 * Turn a POSTed body into access-log records: NDJSON / text lines (Fluent Bit json_lines, Vector ndjson),
 * JSON arrays (Fluent Bit json, Vector json), and OTLP/JSON ExportLogsServiceRequest bodies.
 *
 * Each record is validated with the same parser the scorer uses; a valid one is produced as its original
 * text (so the scorer has one parse path for ingest and for shippers that write to Kafka directly), keyed
 * by its source workload so one workload stays on one partition. OTLP requests are split into one request
 * per log record (keeping its resource and scope) so each can be keyed on its own.
 */
import { detectFormat, parseLine, type ParseOptions } from '../../parse/index.js';
import type { MeshEvent } from '../../core/event.js';
import type { OutRecord } from '../bus/types.js';

export interface Rejection {
  /** 0-based position of the record in the body. */
  index: number;
  reason: string;
  format: string;
  record: string;
}

export interface ValidatedRecords {
  /** `index`: the position of the record it came from in the input (shared by a split OTLP request's parts). */
  accepted: Array<OutRecord & { format: string; index?: number }>;
  rejected: Rejection[];
}

const ENVOY_TEXT_START = /^\[\d{4}-\d{2}-\d{2}T/;

/** Split a text body into record strings. Throws only on a malformed JSON array (the whole body is unusable). */
export function splitBody(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  // Envoy's text format starts with "[<timestamp>]": lines, not a JSON array.
  if (trimmed.startsWith('[') && !ENVOY_TEXT_START.test(trimmed)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`body looks like a JSON array but is not valid JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error('body is not a JSON array');
    try {
      return parsed.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
    } catch (error) {
      // JSON.stringify recurses: thousands of nested arrays overflow the stack (RangeError), say so plainly.
      if (error instanceof RangeError)
        throw new Error('body is a JSON array nested too deeply to be access-log records');
      throw error;
    }
  }
  const lines = trimmed.split(/\r?\n/).filter((line) => line.trim() !== '');
  // A single pretty-printed JSON document (an OTLP request from a hand-written sender) is one record.
  if (lines.length > 1 && trimmed.startsWith('{')) {
    try {
      JSON.parse(lines[0]!);
    } catch {
      try {
        return [JSON.stringify(JSON.parse(trimmed))];
      } catch {
        // Not one document either: keep the lines and let each be judged on its own.
      }
    }
  }
  return lines;
}

/** An OTLP ExportLogsServiceRequest split into one request per log record (resource and scope kept). */
function splitOtlpLogs(request: unknown): string[] | undefined {
  if (
    typeof request !== 'object' ||
    request === null ||
    !Array.isArray((request as { resourceLogs?: unknown }).resourceLogs)
  )
    return undefined;
  const out: string[] = [];
  for (const rl of (request as { resourceLogs: unknown[] }).resourceLogs) {
    if (typeof rl !== 'object' || rl === null) continue;
    const { scopeLogs, ...resourcePart } = rl as { scopeLogs?: unknown };
    if (!Array.isArray(scopeLogs)) continue;
    for (const sl of scopeLogs) {
      if (typeof sl !== 'object' || sl === null) continue;
      const { logRecords, ...scopePart } = sl as { logRecords?: unknown };
      if (!Array.isArray(logRecords)) continue;
      for (const record of logRecords)
        out.push(
          JSON.stringify({
            resourceLogs: [{ ...resourcePart, scopeLogs: [{ ...scopePart, logRecords: [record] }] }],
          }),
        );
    }
  }
  return out;
}

/**
 * An OTLP/JSON ExportLogsServiceRequest: `resourceLogs` is its only field, so it comes first. Anchored,
 * the test reads a few characters of each record instead of searching all of it.
 */
const OTLP_LOGS_REQUEST = /^\s*\{\s*"resourceLogs"\s*:/;

/** Expand OTLP requests inside a list of records into one record per log record. */
function expand(records: string[], maxRecordBytes: number): Array<{ index: number; text: string }> {
  const out: Array<{ index: number; text: string }> = [];
  records.forEach((text, index) => {
    // A whole OTLP request may be long (it holds many records); each record split from it is checked alone.
    if (text.length <= maxRecordBytes * RECORDS_PER_TURN && OTLP_LOGS_REQUEST.test(text)) {
      try {
        const split = splitOtlpLogs(JSON.parse(text));
        if (split && split.length > 0) {
          for (const part of split) out.push({ index, text: part });
          return;
        }
      } catch {
        // Not JSON: the parser gives the reason below.
      }
    }
    out.push({ index, text });
  });
  return out;
}

/** How many records are validated between two turns of the event loop (so /healthz answers under load). */
const RECORDS_PER_TURN = 200;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Validate each record with the scorer's parser: accepted ones keyed by their source workload, the rest with
 * a reason. A record longer than `maxRecordBytes` is rejected unparsed. The loop yields to the event loop
 * every RECORDS_PER_TURN records, so a large body never holds the process for long.
 */
export async function validateLogRecords(
  records: string[],
  opts: ParseOptions,
  maxRecordBytes = Infinity,
): Promise<ValidatedRecords> {
  const accepted: ValidatedRecords['accepted'] = [];
  const rejected: Rejection[] = [];
  let sinceYield = 0;
  for (const { index, text } of expand(records, maxRecordBytes)) {
    if (++sinceYield >= RECORDS_PER_TURN) {
      sinceYield = 0;
      await nextTurn();
    }
    if (text.length > maxRecordBytes) {
      rejected.push({
        index,
        reason: `record of ${text.length} characters is longer than ingest.max_record_bytes (${maxRecordBytes}); not parsed`,
        format: 'unknown',
        record: text,
      });
      continue;
    }
    let key: string | undefined;
    let reason: string | undefined;
    let format = 'unknown';
    const events: MeshEvent[] = [];
    try {
      const detected = detectFormat(text);
      format = detected ?? 'unknown';
      parseLine(text, detected ?? 'auto', opts, (result) => {
        if (result.ok) {
          key ??= result.event.src;
          events.push(result.event);
        } else reason ??= result.reason;
      });
    } catch (error) {
      // Parsers never throw by contract; if one does, the record is set aside rather than failing the request.
      reason = `parser error: ${(error as Error).message}`;
    }
    // A record with a bad part beside good ones goes on whole; the scorer sets the bad part aside.
    if (key !== undefined)
      accepted.push({
        index,
        key: key || null,
        value: text,
        format,
        events: reason === undefined ? events : undefined,
      });
    else rejected.push({ index, reason: reason ?? 'no access-log record found', format, record: text });
  }
  return { accepted, rejected };
}
