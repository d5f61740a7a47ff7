/**
 * OTLP/JSON logs (ExportLogsServiceRequest): one request → one emit per logRecord. See README.md.
 */
import type { ParseResult } from '../../core/event.js';
import { EnvoyFields, type EnvoyRecord } from '../envoy-fields.js';
import { scanEnvoyText } from '../envoy-text-scanner.js';
import { NO_META, type K8sMeta } from '../kubernetes.js';
import { metaFromAttributes, scalar } from '../otlp-attributes.js';
import type { ParseOptions } from '../options.js';
import { reject, type Emit } from '../parser.js';
import { buildEvent } from '../record.js';
import {
  NOT_JSON,
  decodeJsonLine,
  firstNonBlank,
  isPlainObject,
  jsonError,
  nanosToMs,
  parseJson,
  problem,
  resetProblem,
  show,
} from '../values.js';

export function parseOtlpJson(line: string, opts: ParseOptions, emit: Emit): void {
  const o = decodeJsonLine(line, emit);
  if (o !== NOT_JSON) parseOtlpDocument(o, opts, emit);
}

/** An already-decoded ExportLogsServiceRequest (parseLine also routes one given as istio-json here). */
export function parseOtlpDocument(o: unknown, opts: ParseOptions, emit: Emit): void {
  if (!isPlainObject(o)) {
    emit(reject('otlp: not a JSON object'));
    return;
  }
  const rls = o['resourceLogs'];
  if (!Array.isArray(rls)) {
    emit(reject('otlp: resourceLogs: not an array'));
    return;
  }
  for (let i = 0; i < rls.length; i++) {
    const rl: unknown = rls[i];
    if (!isPlainObject(rl)) {
      emit(reject(`otlp: resourceLogs[${i}]: not an object`));
      continue;
    }
    const resource = rl['resource'];
    const meta = isPlainObject(resource) ? metaFromAttributes(resource['attributes'], NO_META) : NO_META;
    // instrumentationLibraryLogs: the pre-1.0 name still sent by old collectors.
    const sls = rl['scopeLogs'] ?? rl['instrumentationLibraryLogs'];
    if (!Array.isArray(sls)) {
      emit(reject(`otlp: resourceLogs[${i}].scopeLogs: not an array`));
      continue;
    }
    for (let j = 0; j < sls.length; j++) {
      const sl: unknown = sls[j];
      const lrs = isPlainObject(sl) ? sl['logRecords'] : undefined;
      if (!Array.isArray(lrs)) {
        emit(reject(`otlp: resourceLogs[${i}].scopeLogs[${j}].logRecords: not an array`));
        continue;
      }
      for (let k = 0; k < lrs.length; k++) emit(recordEvent(lrs[k], meta, opts));
    }
  }
}

/** One logRecord → one event. Envoy fields come from the body (JSON string, text, kvlist) then attributes. */
function recordEvent(lr: unknown, resourceMeta: K8sMeta, opts: ParseOptions): ParseResult {
  if (!isPlainObject(lr)) return reject('otlp: logRecord: not an object');
  resetProblem();
  let timeMs = nanosToMs(lr['timeUnixNano'], 'timeUnixNano');
  // OTLP's own rule: a record without a timestamp is timed by when it was observed.
  if (timeMs === 0) timeMs = nanosToMs(lr['observedTimeUnixNano'], 'observedTimeUnixNano');
  const badTime = problem();
  if (badTime !== '') return reject(badTime);

  const f = new EnvoyFields();
  const body = lr['body'];
  if (isPlainObject(body)) {
    const s = body['stringValue'];
    if (typeof s === 'string') {
      const c = s.charCodeAt(firstNonBlank(s));
      if (c === 123 /* { */) {
        const inner = parseJson(s);
        if (inner === NOT_JSON) return reject(`otlp: body: not JSON: ${jsonError()}`);
        if (!isPlainObject(inner)) return reject('otlp: body: not a JSON object');
        f.assignFrom(inner as EnvoyRecord);
      } else if (c === 91 /* [ */) {
        // Istio's envoyOtelAls default body is its text access-log format.
        const why = scanEnvoyText(s, f);
        if (why !== '') return reject(`otlp: body: ${why}`);
      }
    } else {
      const kv = body['kvlistValue'];
      if (isPlainObject(kv)) setFromKeyValues(kv['values'], f);
    }
  }
  const attrs = lr['attributes'];
  let meta = resourceMeta;
  if (Array.isArray(attrs)) {
    setFromKeyValues(attrs, f);
    // Some pipelines put k8s.* on the record instead of the resource.
    meta = metaFromAttributes(attrs, resourceMeta);
  }
  if (f.known === 0) {
    return reject(
      body === undefined
        ? 'otlp: logRecord has no body and no Envoy attributes'
        : `otlp: body is not an Envoy access-log record: ${show(isPlainObject(body) ? (body['stringValue'] ?? body) : body)}`,
    );
  }
  return buildEvent(f, meta, opts, timeMs);
}

function setFromKeyValues(kvs: unknown, f: EnvoyFields): void {
  if (!Array.isArray(kvs)) return;
  for (let i = 0; i < kvs.length; i++) {
    const kv: unknown = kvs[i];
    if (!isPlainObject(kv)) continue;
    const key = kv['key'];
    if (typeof key === 'string') f.set(key, scalar(kv['value']));
  }
}
