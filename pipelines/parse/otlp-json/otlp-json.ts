/**
 * OTLP/JSON logs (ExportLogsServiceRequest): one request → one emit per logRecord. See README.md.
 */
import type { ParseResult } from '../../core/event.js';
import { EnvoyFields, type EnvoyRecord } from '../envoy-fields.js';
import { scanEnvoyText } from '../envoy-text-scanner.js';
import {
  NO_META,
  copyMeta,
  metaFromNodeId,
  podLabelsOf,
  workloadFromPod,
  type K8sMeta,
} from '../kubernetes.js';

const POD_LABEL_PREFIX = 'k8s.pod.labels.';
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

/** OTLP AnyValue → the scalar we store (int64 arrives as a decimal string in OTLP/JSON). */
function scalar(v: unknown): unknown {
  if (!isPlainObject(v)) return undefined;
  const s = v['stringValue'];
  if (s !== undefined) return s;
  const i = v['intValue'];
  if (i !== undefined) return i;
  const d = v['doubleValue'];
  if (d !== undefined) return d;
  // boolValue, arrayValue, kvlistValue, bytesValue: no Envoy field has these types; keep them so a
  // wrongly-typed field is rejected by name rather than silently dropped.
  return v['boolValue'] ?? v['arrayValue'] ?? v['kvlistValue'] ?? v['bytesValue'];
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

/**
 * Kubernetes identity from OTel resource (or record) attributes: the k8sattributes processor's `k8s.*`
 * keys, `service.name` as a last-resort workload name, and Envoy's `node_name` (Istio's node id).
 * Returns `base` itself when no key is present, so the common case allocates nothing.
 */
function metaFromAttributes(attrs: unknown, base: K8sMeta): K8sMeta {
  if (!Array.isArray(attrs)) return base;
  let m: K8sMeta | undefined;
  let deployment = '';
  let serviceName = '';
  let nodeId = '';
  let labels: Record<string, string> | undefined;
  for (let i = 0; i < attrs.length; i++) {
    const kv: unknown = attrs[i];
    if (!isPlainObject(kv)) continue;
    const key = kv['key'];
    if (typeof key !== 'string') continue;
    const first = key.charCodeAt(0);
    // Skip Envoy fields quickly: every identity key starts with k, s or n.
    if (first !== 107 /* k */ && first !== 115 /* s */ && first !== 110 /* n */) continue;
    const raw = scalar(kv['value']);
    if (typeof raw !== 'string' || raw === '') continue;
    switch (key) {
      case 'k8s.namespace.name':
        m ??= copyMeta(base);
        m.namespace = raw;
        break;
      case 'k8s.pod.name':
        m ??= copyMeta(base);
        m.pod = raw;
        break;
      case 'k8s.pod.ip':
        m ??= copyMeta(base);
        m.podIp = raw;
        break;
      case 'k8s.serviceaccount.name':
      case 'k8s.pod.service_account.name':
        m ??= copyMeta(base);
        m.serviceAccount = raw;
        break;
      case 'k8s.deployment.name':
      case 'k8s.statefulset.name':
      case 'k8s.daemonset.name':
        deployment = raw;
        break;
      case 'service.name':
        serviceName = raw;
        break;
      case 'node_name':
        nodeId = raw;
        break;
      default:
        // The k8sattributes processor's pod label extraction (default tag name k8s.pod.labels.<key>).
        if (key.startsWith(POD_LABEL_PREFIX))
          (labels ??= Object.create(null) as Record<string, string>)[key.slice(POD_LABEL_PREFIX.length)] =
            raw;
    }
  }
  if (m === undefined && deployment === '' && serviceName === '' && nodeId === '' && !labels) return base;
  m ??= copyMeta(base);
  if (labels) m.labels = podLabelsOf({ ...base.labels, ...labels });
  if (deployment !== '') m.workload = deployment;
  if (nodeId !== '') metaFromNodeId(nodeId, m);
  if (m.workload === '') m.workload = m.pod !== '' ? workloadFromPod(m.pod) : serviceName;
  return m;
}
