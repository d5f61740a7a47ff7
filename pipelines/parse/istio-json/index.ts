/**
 * Istio's default JSON access-log format, bare or as log shippers wrap it. See README.md.
 *
 * The hot path is one JSON.parse and ~30 property reads straight off the parsed object: no copy, no walk
 * over its keys, no per-field closures.
 */
import type { ParseResult } from '../../core/event.js';
import { envoyTextEvent } from '../envoy-text/index.js';
import type { Emit, ParseOptions } from '../index.js';
import { NO_META, metaFromKubernetes, type K8sMeta } from '../kubernetes.js';
import { emitOtlpObject } from '../otlp-json/index.js';
import { buildEvent, looksLikeAccessLog, reject, type EnvoyRecord } from '../record.js';
import {
  MAX_LINE_CHARS,
  NOT_JSON,
  firstNonBlank,
  isPlainObject,
  jsonError,
  parseJson,
  show,
} from '../values.js';

/** What a shipper's record may hold besides (or around) the Envoy keys. */
interface ShippedRecord extends EnvoyRecord {
  kubernetes?: unknown;
  log?: unknown;
  message?: unknown;
  resourceLogs?: unknown;
}

export function parseIstioJson(line: string, opts: ParseOptions, emit: Emit): void {
  if (line.length > MAX_LINE_CHARS) {
    emit(reject(`line too long: ${line.length} characters (max ${MAX_LINE_CHARS})`));
    return;
  }
  const o = parseJson(line);
  if (o === NOT_JSON) {
    emit(reject(`not JSON: ${jsonError()}`));
    return;
  }
  if (!isPlainObject(o)) {
    emit(reject(`not a JSON object: ${show(o)}`));
    return;
  }
  const r = o as ShippedRecord;
  // An OTLP request given as istio-json (or detected late): hand it over rather than reject it.
  if (r.resourceLogs !== undefined) {
    emitOtlpObject(o, opts, emit);
    return;
  }
  emit(recordEvent(r, opts));
}

function recordEvent(r: ShippedRecord, opts: ParseOptions): ParseResult {
  const meta = r.kubernetes === undefined ? NO_META : metaFromKubernetes(r.kubernetes);
  // Bare Envoy JSON, or Fluent Bit with Merge_Log (Envoy keys lifted to the top level).
  if (looksLikeAccessLog(r)) return buildEvent(r, meta, opts, 0);
  // Fluent Bit keeps the container's line in `log`, Vector in `message`.
  const inner = r.log !== undefined ? r.log : r.message;
  if (inner === undefined) return buildEvent(r, meta, opts, 0); // names the first missing key
  return wrappedEvent(inner, r.log !== undefined ? 'log' : 'message', meta, opts);
}

function wrappedEvent(inner: unknown, key: string, meta: K8sMeta, opts: ParseOptions): ParseResult {
  if (isPlainObject(inner)) return buildEvent(inner as EnvoyRecord, meta, opts, 0);
  if (typeof inner !== 'string') return reject(`${key}: not a string: ${show(inner)}`);
  const c = inner.charCodeAt(firstNonBlank(inner));
  if (c === 123 /* { */) {
    const o = parseJson(inner);
    if (o === NOT_JSON) return reject(`${key}: not JSON: ${jsonError()}`);
    if (!isPlainObject(o)) return reject(`${key}: not a JSON object`);
    return buildEvent(o as EnvoyRecord, meta, opts, 0);
  }
  // Istio's default encoding is TEXT, so shipped records very often carry the text line.
  if (c === 91 /* [ */) return envoyTextEvent(inner, meta, opts);
  return reject(`${key}: not an Envoy access-log line: ${show(inner)}`);
}
