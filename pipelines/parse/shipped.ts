/**
 * The envelopes log shippers put around a proxy's line, removed the same way for every mesh format that is
 * not Envoy's own (Linkerd, ztunnel, Hubble): Fluent Bit (`log` + `kubernetes`, or Merge_Log with the
 * record's keys lifted), Vector (`message` + `kubernetes`), Docker's JSON file (`{"log", "stream", "time"}`),
 * a CRI log prefix (`<time> stderr F <line>`), flat OTel `k8s.*` keys, and OTLP/JSON log requests (one body
 * per logRecord, `k8s.*` resource attributes). What is inside is handed on with the metadata of the pod
 * that wrote it and the shipper's time (a fallback for lines that carry none).
 */
import { NO_META, copyMeta, metaFromKubernetes, workloadFromPod, type K8sMeta } from './kubernetes.js';
import { metaFromAttributes, scalar } from './otlp-attributes.js';
import { reject, type Emit } from './parser.js';
import {
  MAX_LINE_CHARS,
  NOT_JSON,
  firstNonBlank,
  isPlainObject,
  jsonError,
  nanosToMs,
  parseJson,
  parseJsonCached,
  problem,
  resetProblem,
  show,
  tooLongReason,
} from './values.js';

/** One record as the proxy wrote it: its text line, or its JSON object. */
export type Payload = string | Record<string, unknown>;

/** Receives each unwrapped record; `shippedMs` is the envelope's time (0 when it had none). */
export type OnPayload = (payload: Payload, meta: K8sMeta, shippedMs: number) => void;

/** Unwrap a line into its records (one, or many for an OTLP request); malformed envelopes are emitted as rejections. */
export function forEachShipped(line: string, emit: Emit, on: OnPayload): void {
  if (line.length > MAX_LINE_CHARS) {
    emit(reject(tooLongReason(line)));
    return;
  }
  const i = firstNonBlank(line);
  if (i >= line.length) {
    emit(reject('empty line'));
    return;
  }
  const cri = line.charCodeAt(i) === 123 /* { */ ? -1 : criPrefix(line, i);
  const at = cri === -1 ? i : cri;
  if (line.charCodeAt(at) !== 123 /* { */) {
    on(trimEnd(line.slice(at)), NO_META, 0);
    return;
  }
  const o = parseJsonCached(cri === -1 ? line : line.slice(at));
  if (o === NOT_JSON) {
    emit(reject(`not JSON: ${jsonError()}`));
    return;
  }
  if (!isPlainObject(o)) {
    emit(reject(`not a JSON object: ${show(o)}`));
    return;
  }
  if (o['resourceLogs'] !== undefined) forEachOtlpBody(o['resourceLogs'], emit, on);
  else unwrapObject(o, emit, on);
}

/** Fluent Bit, Vector, Docker, flat OTel keys, or the record itself. */
function unwrapObject(o: Record<string, unknown>, emit: Emit, on: OnPayload): void {
  let meta = o['kubernetes'] === undefined ? NO_META : metaFromKubernetes(o['kubernetes']);
  meta = metaFromFlatKeys(o, meta);
  const shippedMs = shipperTime(o);
  const key = o['log'] !== undefined ? 'log' : o['message'] !== undefined ? 'message' : '';
  // ztunnel's own JSON has a `message` ("connection complete") beside its fields: that is the record.
  const inner = key === '' || (key === 'message' && o['scope'] !== undefined) ? o : o[key];
  if (isPlainObject(inner)) {
    on(inner, meta, shippedMs);
    return;
  }
  if (typeof inner !== 'string') {
    emit(reject(`${key}: not a string: ${show(inner)}`));
    return;
  }
  const text = innerText(inner, key, emit);
  if (text.length === 1) on(text[0], meta, shippedMs);
}

/** A shipped string: a JSON record, or a text line (a CRI prefix left on by a shipper is removed). */
function innerText(s: string, key: string, emit: Emit): [Payload] | [] {
  const i = firstNonBlank(s);
  if (s.charCodeAt(i) === 123 /* { */) {
    const o = parseJson(s);
    if (o === NOT_JSON || !isPlainObject(o)) {
      emit(reject(`${key}: not a JSON object: ${o === NOT_JSON ? jsonError() : show(o)}`));
      return [];
    }
    return [o];
  }
  const cri = criPrefix(s, i);
  return [trimEnd(cri === -1 ? s.slice(i) : s.slice(cri))];
}

function trimEnd(s: string): string {
  const c = s.charCodeAt(s.length - 1);
  return c === 10 || c === 13 ? s.trimEnd() : s;
}

/** Start of the line after a CRI prefix (`2024-01-01T00:00:00.1Z stderr F `), or -1 when there is none. */
export function criPrefix(s: string, from: number): number {
  const sp = s.indexOf(' ', from);
  if (sp - from < 20 || s.charCodeAt(from + 4) !== 45 || s.charCodeAt(from + 10) !== 84) return -1;
  const stream = s.startsWith(' stdout ', sp) || s.startsWith(' stderr ', sp);
  if (!stream) return -1;
  const tag = s.charCodeAt(sp + 8);
  if ((tag !== 70 /* F */ && tag !== 80) /* P */ || s.charCodeAt(sp + 9) !== 32) return -1;
  return sp + 10;
}

function metaFromFlatKeys(o: Record<string, unknown>, base: K8sMeta): K8sMeta {
  const ns = o['k8s.namespace.name'];
  const pod = o['k8s.pod.name'];
  if (typeof ns !== 'string' && typeof pod !== 'string') return base;
  const m = copyMeta(base);
  if (typeof ns === 'string') m.namespace = ns;
  if (typeof pod === 'string') m.pod = pod;
  const sa = o['k8s.serviceaccount.name'] ?? o['k8s.pod.service_account.name'];
  if (typeof sa === 'string') m.serviceAccount = sa;
  const ip = o['k8s.pod.ip'];
  if (typeof ip === 'string') m.podIp = ip;
  const dep = o['k8s.deployment.name'];
  m.workload = typeof dep === 'string' ? dep : workloadFromPod(m.pod);
  return m;
}

/** Docker's `time`, Fluent Bit's `@timestamp` or `date` (seconds), when the shipper added one. */
function shipperTime(o: Record<string, unknown>): number {
  const t = o['time'] ?? o['@timestamp'];
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    return ms === ms ? ms : 0;
  }
  const d = o['date'];
  return typeof d === 'number' && d > 0 ? Math.floor(d * 1000) : 0;
}

function forEachOtlpBody(rls: unknown, emit: Emit, on: OnPayload): void {
  if (!Array.isArray(rls)) {
    emit(reject('otlp: resourceLogs: not an array'));
    return;
  }
  for (const rl of rls as unknown[]) {
    if (!isPlainObject(rl)) {
      emit(reject('otlp: resourceLogs[]: not an object'));
      continue;
    }
    const resource = rl['resource'];
    const meta = isPlainObject(resource) ? metaFromAttributes(resource['attributes'], NO_META) : NO_META;
    const sls = rl['scopeLogs'] ?? rl['instrumentationLibraryLogs'];
    if (!Array.isArray(sls)) {
      emit(reject('otlp: scopeLogs: not an array'));
      continue;
    }
    for (const sl of sls as unknown[]) {
      const lrs = isPlainObject(sl) ? sl['logRecords'] : undefined;
      if (!Array.isArray(lrs)) {
        emit(reject('otlp: logRecords: not an array'));
        continue;
      }
      for (const lr of lrs as unknown[]) otlpRecord(lr, meta, emit, on);
    }
  }
}

function otlpRecord(lr: unknown, resourceMeta: K8sMeta, emit: Emit, on: OnPayload): void {
  if (!isPlainObject(lr)) {
    emit(reject('otlp: logRecord: not an object'));
    return;
  }
  resetProblem();
  let timeMs = nanosToMs(lr['timeUnixNano'], 'timeUnixNano');
  if (timeMs === 0) timeMs = nanosToMs(lr['observedTimeUnixNano'], 'observedTimeUnixNano');
  if (problem() !== '') {
    emit(reject(`otlp: ${problem()}`));
    return;
  }
  const meta = metaFromAttributes(lr['attributes'], resourceMeta);
  const body = lr['body'];
  const s = isPlainObject(body) ? body['stringValue'] : undefined;
  if (typeof s === 'string') {
    const inner = innerText(s, 'otlp: body', emit);
    if (inner.length === 1) on(inner[0], meta, timeMs);
    return;
  }
  const kv = isPlainObject(body) ? body['kvlistValue'] : undefined;
  if (!isPlainObject(kv) || !Array.isArray(kv['values'])) {
    emit(reject('otlp: logRecord body: neither a string nor a key-value list'));
    return;
  }
  // A key-value body becomes a plain record; keys are only ever read by name, never merged anywhere.
  const rec: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const e of kv['values'] as unknown[]) {
    if (isPlainObject(e) && typeof e['key'] === 'string') rec[e['key']] = scalar(e['value']);
  }
  on(rec, meta, timeMs);
}
