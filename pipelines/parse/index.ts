/**
 * Parsing entry points (implemented by the parsers under this folder). Parsers never throw: every record
 * yields either a MeshEvent or a rejection reason.
 */
import type { InputFormat, ParseResult } from '../core/event.js';
import { parseEnvoyText } from './envoy-text/index.js';
import { parseIstioJson } from './istio-json/index.js';
import { parseOtlpJson } from './otlp-json/index.js';
import { MAX_LINE_CHARS, firstNonBlank, show } from './values.js';

export interface WorkloadInfo {
  namespace: string;
  workload: string;
  serviceAccount: string;
}

export interface ParseOptions {
  /** Hosts ending in `.svc.<clusterDomain>` are inside the mesh. */
  clusterDomain: string;
  trustDomain: string;
  /** Extra host suffixes that count as inside the mesh. */
  meshHosts: readonly string[];
  /** Pod IP → workload, where known, to resolve callers of logs that carry no identity. */
  podIps?: ReadonlyMap<string, WorkloadInfo>;
}

export const defaultParseOptions: ParseOptions = {
  clusterDomain: 'cluster.local',
  trustDomain: 'cluster.local',
  meshHosts: [],
};

export type Emit = (result: ParseResult) => void;

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
  const k = firstNonBlank2(line, i + 1);
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
      parseIstioJson(line, opts, emit);
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

function unknownFormatReason(line: string): string {
  const i = firstNonBlank(line);
  if (i >= line.length) return 'empty line';
  if (line.length > MAX_LINE_CHARS) return `line too long: ${line.length} characters (max ${MAX_LINE_CHARS})`;
  return `unknown format: a line must start with "{" (JSON, OTLP) or "[" (Envoy text), not ${show(line.charAt(i))}`;
}

/** firstNonBlank from an offset (JSON whitespace only). */
function firstNonBlank2(s: string, from: number): number {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}
