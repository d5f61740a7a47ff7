/**
 * The dispatching entry of parsing: which format a line is, and which format parser reads it. Parsers never
 * throw: every record yields either a MeshEvent or a rejection reason.
 */
import type { InputFormat } from '../core/event.js';
import { parseConsulJson } from './consul-json/consul-json.js';
import { parseEnvoyText } from './envoy-text/envoy-text.js';
import { parseHubbleJson } from './hubble-json/hubble-json.js';
import { parseIstioJsonDocument } from './istio-json/istio-json.js';
import { parseLinkerdApache } from './linkerd-apache/linkerd-apache.js';
import { parseLinkerdJson } from './linkerd-json/linkerd-json.js';
import { parseZtunnel } from './ztunnel/ztunnel.js';
import type { ParseOptions } from './options.js';
import { parseOtlpDocument, parseOtlpJson } from './otlp-json/otlp-json.js';
import { criPrefix } from './shipped.js';
import { isConsulUpstream } from './upstream-cluster.js';
import type { Emit } from './parser.js';
import {
  MAX_LINE_CHARS,
  NOT_JSON,
  decodeJsonLine,
  firstNonBlank,
  isPlainObject,
  parseJsonCached,
  show,
  tooLongReason,
} from './values.js';

export { defaultParseOptions, parseOptionsOf, type ParseOptions, type WorkloadInfo } from './options.js';
export type { Emit, Parser } from './parser.js';

/**
 * Which parser a line needs, from its structure, never from text an attacker could put in a field:
 * - text lines: `[` starts Envoy/Istio text; ztunnel lines start `<time> <level> access`; Linkerd apache
 *   lines `<addr>:<port> <client.id> - [<time>]` (a CRI prefix before either is allowed);
 * - JSON (decoded once, shared with the parser): `resourceLogs` is OTLP, looked into by its first body;
 *   otherwise the record's own keys (`client.addr` Linkerd, `src.addr` / scope `access` ztunnel, `flow` /
 *   `verdict` Hubble, `start_time` Envoy, Consul when `upstream_cluster` is one of Consul's names), or the
 *   same tests on what a shipper wrapped in `log` / `message`.
 * undefined when nothing matches.
 */
export function detectFormat(line: string): InputFormat | undefined {
  const i = firstNonBlank(line);
  const c = line.charCodeAt(i);
  if (c === 91 /* [ */) return 'envoy-text';
  if (c !== 123 /* { */) return textFormat(line, i);
  const doc = parseJsonCached(line);
  // Not JSON: istio-json reports why.
  if (!isPlainObject(doc)) return 'istio-json';
  if (doc['resourceLogs'] !== undefined) return otlpFormat(doc['resourceLogs']);
  return recordFormat(doc, 0) ?? 'istio-json';
}

const ZTUNNEL_HEAD = /^(?:\S+\s+)?(?:trace|debug|info|warn|error)\s+access:?\s/i;
const LINKERD_APACHE_HEAD = /^\[?[0-9a-fA-F.:\]]+:\d+ \S+ \S+ \[\d{4}-\d\d-\d\dT/;
/** A key of the record itself (after `{` or `,`): inside a string value every quote is escaped. */
const KEY_CLIENT_ADDR = /[{,]\s*"client\.(?:addr|id)"\s*:/;
const KEY_SRC_ADDR = /[{,]\s*"(?:src\.addr|dst\.addr|scope)"\s*:/;
const KEY_FLOW = /[{,]\s*"(?:flow|verdict)"\s*:/;

/** A text line (or a shipper's string): Envoy text, ztunnel, Linkerd apache, after any CRI prefix. */
function textFormat(s: string, from: number): InputFormat | undefined {
  const cri = criPrefix(s, from);
  const at = cri === -1 ? from : cri;
  const c = s.charCodeAt(at);
  if (c === 91 /* [ */) return 'envoy-text';
  if (c === 123 /* { */) return jsonTextFormat(s.slice(at));
  const head = at === 0 ? s : s.slice(at, at + 200);
  if (ZTUNNEL_HEAD.test(head)) return 'ztunnel';
  if (LINKERD_APACHE_HEAD.test(head)) return 'linkerd-apache';
  return undefined;
}

/** JSON inside a string, judged by its own keys without decoding it (the parser decodes it once). */
function jsonTextFormat(s: string): InputFormat {
  if (KEY_CLIENT_ADDR.test(s)) return 'linkerd-json';
  if (KEY_SRC_ADDR.test(s)) return 'ztunnel';
  if (KEY_FLOW.test(s)) return 'hubble-json';
  return CONSUL_CLUSTER_KEY.test(s) ? 'consul-json' : 'istio-json';
}

const CONSUL_CLUSTER_KEY =
  /[{,]\s*"upstream_cluster"\s*:\s*"(?:local_app|original-destination|[^"\\]*\.(?:internal|external)\.[^"\\]*\.consul)"/;

function recordFormat(o: Record<string, unknown>, depth: number): InputFormat | undefined {
  if (o['start_time'] !== undefined || o['upstream_cluster'] !== undefined) {
    const cluster = o['upstream_cluster'];
    const sni = o['requested_server_name'];
    const consul =
      (typeof cluster === 'string' &&
        (cluster === 'local_app' || cluster === 'original-destination' || isConsulUpstream(cluster))) ||
      (typeof sni === 'string' && isConsulUpstream(sni));
    return consul ? 'consul-json' : 'istio-json';
  }
  if (o['client.addr'] !== undefined || o['client.id'] !== undefined) return 'linkerd-json';
  if (o['src.addr'] !== undefined || o['dst.addr'] !== undefined || o['scope'] === 'access') return 'ztunnel';
  if (o['flow'] !== undefined || o['verdict'] !== undefined) return 'hubble-json';
  if (o['agent_event'] !== undefined || o['lost_events'] !== undefined || o['debug_event'] !== undefined)
    return 'hubble-json';
  if (depth > 0) return undefined;
  const inner = o['log'] ?? o['message'];
  if (typeof inner === 'string') {
    // Envoy text in a shipper's record is read by istio-json, which unwraps it.
    const f = textFormat(inner, firstNonBlank(inner));
    return f === 'envoy-text' ? 'istio-json' : f;
  }
  if (isPlainObject(inner)) return recordFormat(inner, depth + 1);
  return undefined;
}

/** An OTLP request: Envoy's own (otlp-json) unless its first body is another mesh's record. */
function otlpFormat(rls: unknown): InputFormat {
  const body = firstOtlpBody(rls);
  if (typeof body === 'string') {
    const f = textFormat(body, firstNonBlank(body));
    if (f !== undefined && f !== 'istio-json' && f !== 'envoy-text') return f;
  } else if (isPlainObject(body)) {
    const keys = new Set<string>();
    const values = body['values'];
    if (Array.isArray(values))
      for (const kv of values as unknown[])
        if (isPlainObject(kv) && typeof kv['key'] === 'string') keys.add(kv['key']);
    if (keys.has('client.addr') || keys.has('client.id')) return 'linkerd-json';
    if (keys.has('src.addr') || keys.has('dst.addr')) return 'ztunnel';
    if (keys.has('flow') || keys.has('verdict')) return 'hubble-json';
  }
  return 'otlp-json';
}

function firstOtlpBody(rls: unknown): unknown {
  if (!Array.isArray(rls) || !isPlainObject(rls[0])) return undefined;
  const sls = rls[0]['scopeLogs'] ?? rls[0]['instrumentationLibraryLogs'];
  if (!Array.isArray(sls) || !isPlainObject(sls[0])) return undefined;
  const lrs = sls[0]['logRecords'];
  if (!Array.isArray(lrs) || !isPlainObject(lrs[0])) return undefined;
  const body = lrs[0]['body'];
  if (!isPlainObject(body)) return undefined;
  return body['stringValue'] ?? body['kvlistValue'];
}

/**
 * Parse one line (one record, or one OTLP request holding many) and emit one ParseResult per record.
 * Never throws: bad input is emitted as `{ ok: false, reason }`. 'auto' detects the format per line.
 */
export function parseLine(line: string, format: InputFormat | 'auto', opts: ParseOptions, emit: Emit): void {
  const f = format === 'auto' ? detectFormat(line) : format;
  switch (f) {
    case 'istio-json':
      parseJsonRecord(line, opts, emit);
      return;
    case 'envoy-text':
      parseEnvoyText(line, opts, emit);
      return;
    case 'otlp-json':
      parseOtlpJson(line, opts, emit);
      return;
    case 'linkerd-json':
      parseLinkerdJson(line, opts, emit);
      return;
    case 'linkerd-apache':
      parseLinkerdApache(line, opts, emit);
      return;
    case 'consul-json':
      parseConsulJson(line, opts, emit);
      return;
    case 'ztunnel':
      parseZtunnel(line, opts, emit);
      return;
    case 'hubble-json':
      parseHubbleJson(line, opts, emit);
      return;
    default:
      emit({ ok: false, reason: unknownFormatReason(line) });
  }
}

/**
 * An istio-json line. An OTLP request met here (named istio-json, or `resourceLogs` not its first key) is
 * read as OTLP rather than rejected; the line is decoded once either way.
 */
function parseJsonRecord(line: string, opts: ParseOptions, emit: Emit): void {
  const doc = decodeJsonLine(line, emit);
  if (doc === NOT_JSON) return;
  if (isPlainObject(doc) && doc['resourceLogs'] !== undefined) parseOtlpDocument(doc, opts, emit);
  else parseIstioJsonDocument(doc, opts, emit);
}

function unknownFormatReason(line: string): string {
  const i = firstNonBlank(line);
  if (i >= line.length) return 'empty line';
  if (line.length > MAX_LINE_CHARS) return tooLongReason(line);
  return `unknown format: not JSON, an Envoy text line, a ztunnel line or a Linkerd apache line: ${show(line.slice(i, i + 60))}`;
}
