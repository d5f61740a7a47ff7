/**
 * Istio's default JSON access-log format, bare or as log shippers wrap it. See README.md.
 *
 * The hot path is one JSON.parse and ~30 property reads straight off the parsed object: no copy, no walk
 * over its keys, no per-field closures.
 */
import type { ParseResult } from '../../core/event.js';
import { EnvoyFields, looksLikeAccessLog, type EnvoyRecord } from '../envoy-fields.js';
import { scanEnvoyText } from '../envoy-text-scanner.js';
import { NO_META, metaFromKubernetes, type K8sMeta } from '../kubernetes.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { buildEvent } from '../record.js';
import {
  NOT_JSON,
  decodeJsonLine,
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
}

export function parseIstioJson(line: string, opts: ParseOptions, emit: Emit): void {
  const o = decodeJsonLine(line, emit);
  if (o !== NOT_JSON) parseIstioJsonDocument(o, opts, emit);
}

/** An already-decoded line (parseLine decodes once, to route an OTLP request to otlp-json instead). */
export function parseIstioJsonDocument(o: unknown, opts: ParseOptions, emit: Emit): void {
  if (!isPlainObject(o)) {
    emit(reject(`not a JSON object: ${show(o)}`));
    return;
  }
  emit(recordEvent(o as ShippedRecord, opts));
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
  if (c === 91 /* [ */) {
    const f = new EnvoyFields();
    const why = scanEnvoyText(inner, f);
    return why !== '' ? reject(why) : buildEvent(f, meta, opts, 0);
  }
  return reject(`${key}: not an Envoy access-log line: ${show(inner)}`);
}
