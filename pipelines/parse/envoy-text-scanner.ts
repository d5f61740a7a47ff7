/**
 * The field scanner of Envoy's default text access-log format and Istio's text default (see
 * envoy-text/README.md for both layouts). Shared: envoy-text lines, text lines a shipper wrapped in JSON
 * (istio-json) and OTLP bodies carrying the text format (otlp-json) all go through it.
 * Hand-written: indexOf/charCodeAt only, one pass, one substring per field.
 */
import type { EnvoyFields } from './envoy-fields.js';
import { firstNonBlank } from './values.js';

/** Fields after the request line in Envoy's default format. */
const ENVOY_DEFAULT_FIELDS = 11;
/** Istio 1.9+ text default (adds response_code_details and connection_termination_details). */
const ISTIO_FIELDS = 20;

/** Fill `f` from one text line; returns '' on success or the reason the line does not fit either format. */
export function scanEnvoyText(line: string, f: EnvoyFields): string {
  let end = line.length;
  // Envoy's format ends with "\n"; shippers usually strip it, sometimes not (and CRI adds nothing).
  while (end > 0) {
    const c = line.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 32 && c !== 9) break;
    end--;
  }
  let i = firstNonBlank(line);
  if (i >= end) return 'empty line';
  if (line.charCodeAt(i) !== 91 /* [ */)
    return 'envoy-text: expected "[START_TIME]" at the start of the line';
  const close = line.indexOf(']', i + 1);
  if (close === -1 || close >= end) return 'envoy-text: unterminated "[START_TIME]"';
  f.start_time = line.slice(i + 1, close);

  // "METHOD PATH PROTOCOL" (or "- - -" for TCP). The path cannot hold a space in valid HTTP, but take the
  // first and last spaces so an odd one stays in the path instead of shifting the protocol.
  i = skipSpaces(line, close + 1, end);
  if (i >= end || line.charCodeAt(i) !== 34 /* " */)
    return 'envoy-text: expected "\\"METHOD PATH PROTOCOL\\"" after the time';
  const reqEnd = closingQuote(line, i, end);
  if (reqEnd === -1) return 'envoy-text: unterminated request line';
  const s1 = line.indexOf(' ', i + 1);
  const s2 = line.lastIndexOf(' ', reqEnd - 1);
  if (s1 === -1 || s1 >= reqEnd || s2 <= s1) return 'envoy-text: request line is not "METHOD PATH PROTOCOL"';
  f.method = line.slice(i + 1, s1);
  f.path = line.slice(s1 + 1, s2);
  f.protocol = line.slice(s2 + 1, reqEnd);

  // The rest is read from both ends, because the client chooses four of its values (X-Forwarded-For,
  // User-Agent, X-Request-Id, :authority) and Envoy does not escape quotes in them: a value holding '" "'
  // would shift every field after it. The layout is told by the head (Envoy-written tokens only), the
  // tail (upstream host, and Istio's cluster and addresses) is read backwards from the end, and only what
  // lies between is the client's.
  const head: string[] = [];
  i = reqEnd + 1;
  const istio = isIstioHead(line, i, end);
  const headCount = istio === 'istio' ? 9 : istio === 'mixer' ? 8 : 6;
  while (head.length < headCount) {
    i = skipSpaces(line, i, end);
    if (i >= end) break;
    if (line.charCodeAt(i) === 34) {
      const q = closingQuote(line, i, end);
      if (q === -1) return `envoy-text: unterminated quoted field ${head.length + 2}`;
      head.push(line.slice(i + 1, q));
      i = q + 1;
    } else {
      let j = line.indexOf(' ', i);
      if (j === -1 || j > end) j = end;
      head.push(line.slice(i, j));
      i = j;
    }
  }
  const tailCount = istio ? ISTIO_TAIL : 0;
  const tail = readTail(line, i, end, tailCount);
  if (head.length < headCount || !tail)
    return (
      `envoy-text: ${countFields(line, reqEnd + 1, end) + 2} fields, expected ${ENVOY_DEFAULT_FIELDS + 2} ` +
      `(Envoy's default format) or ${ISTIO_FIELDS + 2} (Istio's)`
    );
  let k = 0;
  f.response_code = head[k++];
  f.response_flags = head[k++];
  if (istio === 'istio') {
    f.response_code_details = head[k++];
    f.connection_termination_details = head[k++];
  } else if (istio === 'mixer') k++; // "%DYNAMIC_METADATA(istio.mixer:status)%": nothing to learn from it
  if (istio) f.upstream_transport_failure_reason = head[k++];
  f.bytes_received = head[k++];
  f.bytes_sent = head[k++];
  f.duration = head[k++];
  f.upstream_service_time = head[k++];
  const client = clientFields(line, i, tail.start);
  if (client) [f.x_forwarded_for, f.user_agent, f.request_id, f.authority] = client;
  else {
    // Ambiguous: a value held '" "'. Nothing of it is trusted as a field; the whole span is kept as the
    // User-Agent (evidence), and the line is still scored on the fields Envoy wrote.
    f.ambiguousClientFields = true;
    f.x_forwarded_for = '-';
    f.user_agent = line.slice(i, tail.start).trim();
    f.request_id = '-';
    f.authority = '-';
  }
  f.upstream_host = tail.upstreamHost;
  if (istio) {
    [
      f.upstream_cluster,
      f.upstream_local_address,
      f.downstream_local_address,
      f.downstream_remote_address,
      f.requested_server_name,
      f.route_name,
    ] = tail.bare;
  }
  f.known = 1;
  return '';
}

/** Bare tokens after the quoted upstream host in Istio's text default. */
const ISTIO_TAIL = 6;

/**
 * Which layout the tokens after the request line have: Envoy's default goes on with BYTES_RECEIVED (a
 * number); Istio's with RESPONSE_CODE_DETAILS and CONNECTION_TERMINATION_DETAILS and then the quoted
 * UPSTREAM_TRANSPORT_FAILURE_REASON (the 1.5–1.8 Mixer layout has one token there instead of two).
 */
function isIstioHead(line: string, from: number, end: number): 'istio' | 'mixer' | undefined {
  const tokens: string[] = [];
  let i = from;
  while (tokens.length < 5) {
    i = skipSpaces(line, i, end);
    if (i >= end) break;
    let j = line.indexOf(' ', i);
    if (j === -1 || j > end) j = end;
    tokens.push(line.slice(i, j));
    i = j;
  }
  if (tokens[4]?.startsWith('"')) return 'istio';
  if (tokens[3]?.startsWith('"')) return 'mixer';
  return undefined;
}

/**
 * The tail read backwards from the end: `bareCount` bare tokens, then the quoted upstream host (an
 * address Envoy wrote, never quotes or spaces). `start` is where the client's span ends.
 */
function readTail(
  line: string,
  from: number,
  end: number,
  bareCount: number,
): { start: number; upstreamHost: string; bare: string[] } | undefined {
  const bare: string[] = [];
  let j = end;
  while (bare.length < bareCount) {
    while (j > from && line.charCodeAt(j - 1) === 32) j--;
    const s = line.lastIndexOf(' ', j - 1);
    if (s < from) return undefined;
    const token = line.slice(s + 1, j);
    if (token.includes('"')) return undefined;
    bare.unshift(token);
    j = s;
  }
  while (j > from && line.charCodeAt(j - 1) === 32) j--;
  if (line.charCodeAt(j - 1) !== 34) return undefined;
  const open = line.lastIndexOf(' "', j - 2);
  if (open < from - 1) return undefined;
  const upstreamHost = line.slice(open + 2, j - 1);
  if (upstreamHost.includes('"') || upstreamHost.includes(' ')) return undefined;
  return { start: open + 1, upstreamHost, bare };
}

/**
 * The four client-chosen quoted fields, or undefined when their span does not split into exactly four in
 * one way only. Envoy wrote three '" "' separators; a value holding '" ' or ' "' can add one that overlaps
 * a real one ('"" " "a"' splits wrongly while finding three non-overlapping), so occurrences are counted
 * overlapping: exactly three means they are Envoy's.
 */
function clientFields(line: string, from: number, to: number): [string, string, string, string] | undefined {
  const span = line.slice(from, to).trim();
  if (span.length < 2 || !span.startsWith('"') || !span.endsWith('"')) return undefined;
  const inner = span.slice(1, -1);
  let separators = 0;
  for (let at = inner.indexOf('" "'); at !== -1; at = inner.indexOf('" "', at + 1))
    if (++separators > 3) return undefined;
  if (separators !== 3) return undefined;
  const parts = inner.split('" "');
  return [parts[0]!, parts[1]!, parts[2]!, parts[3]!];
}

/** How many fields a naive left-to-right read finds (for the rejection reason only). */
function countFields(line: string, from: number, end: number): number {
  let n = 0;
  let i = from;
  for (;;) {
    i = skipSpaces(line, i, end);
    if (i >= end) return n;
    const q = line.charCodeAt(i) === 34 ? closingQuote(line, i, end) : -1;
    let j = q !== -1 ? q + 1 : line.indexOf(' ', i);
    if (j === -1 || j > end) j = end;
    n++;
    i = j;
  }
}

function skipSpaces(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * Index of the quote closing the field that opens at `open`. Envoy does not escape quotes inside values
 * (a User-Agent may contain one), so a closing quote is one followed by a space or the end of the line.
 */
function closingQuote(s: string, open: number, end: number): number {
  let q = s.indexOf('"', open + 1);
  while (q !== -1 && q < end) {
    if (q + 1 === end || s.charCodeAt(q + 1) === 32) return q;
    q = s.indexOf('"', q + 1);
  }
  return -1;
}
