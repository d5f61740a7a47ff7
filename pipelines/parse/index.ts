/**
 * The dispatching entry of parsing: which format a line is, and which format parser reads it. Parsers never
 * throw: every record yields either a MeshEvent or a rejection reason.
 */
import type { InputFormat } from '../core/event.js';
import { parseEnvoyText } from './envoy-text/envoy-text.js';
import { parseIstioJsonDocument } from './istio-json/istio-json.js';
import type { ParseOptions } from './options.js';
import { parseOtlpDocument, parseOtlpJson } from './otlp-json/otlp-json.js';
import type { Emit } from './parser.js';
import {
  MAX_LINE_CHARS,
  NOT_JSON,
  decodeJsonLine,
  firstNonBlank,
  isPlainObject,
  show,
  tooLongReason,
} from './values.js';

export { defaultParseOptions, parseOptionsOf, type ParseOptions, type WorkloadInfo } from './options.js';
export type { Emit, Parser } from './parser.js';

/**
 * Which parser a line needs, from its first character: `[` is Envoy/Istio text, `{` is JSON, and JSON whose
 * first key is `resourceLogs` is OTLP (ExportLogsServiceRequest has no other field, so it always comes first).
 * undefined for anything else.
 */
export function detectFormat(line: string): InputFormat | undefined {
  const i = firstNonBlank(line);
  const c = line.charCodeAt(i);
  if (c === 91 /* [ */) return 'envoy-text';
  if (c !== 123 /* { */) return undefined;
  const k = firstNonBlankJson(line, i + 1);
  return line.startsWith('"resourceLogs"', k) ? 'otlp-json' : 'istio-json';
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
  return `unknown format: a line must start with "{" (JSON, OTLP) or "[" (Envoy text), not ${show(line.charAt(i))}`;
}

/** firstNonBlank from an offset (JSON whitespace only). */
function firstNonBlankJson(s: string, from: number): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}
