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
/** Istio 1.5–1.8 text default: a Mixer status field instead of response_code_details / termination details. */
const ISTIO_MIXER_FIELDS = 19;

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

  // The remaining fields, quoted or bare, in order.
  const t: string[] = [];
  i = reqEnd + 1;
  for (;;) {
    i = skipSpaces(line, i, end);
    if (i >= end) break;
    if (line.charCodeAt(i) === 34) {
      const q = closingQuote(line, i, end);
      if (q === -1) return `envoy-text: unterminated quoted field ${t.length + 2}`;
      t.push(line.slice(i + 1, q));
      i = q + 1;
    } else {
      let j = line.indexOf(' ', i);
      if (j === -1 || j > end) j = end;
      t.push(line.slice(i, j));
      i = j;
    }
    if (t.length > ISTIO_FIELDS) break;
  }

  let k = 0;
  f.response_code = t[k++];
  f.response_flags = t[k++];
  if (t.length === ISTIO_FIELDS) {
    f.response_code_details = t[k++];
    f.connection_termination_details = t[k++];
  } else if (t.length === ISTIO_MIXER_FIELDS) {
    k++; // "%DYNAMIC_METADATA(istio.mixer:status)%": nothing to learn from it
  }
  if (t.length === ISTIO_FIELDS || t.length === ISTIO_MIXER_FIELDS) {
    f.upstream_transport_failure_reason = t[k++];
  } else if (t.length !== ENVOY_DEFAULT_FIELDS) {
    return (
      `envoy-text: ${t.length + 2} fields, expected ${ENVOY_DEFAULT_FIELDS + 2} (Envoy's default format) ` +
      `or ${ISTIO_FIELDS + 2} (Istio's)`
    );
  }
  f.bytes_received = t[k++];
  f.bytes_sent = t[k++];
  f.duration = t[k++];
  f.upstream_service_time = t[k++];
  f.x_forwarded_for = t[k++];
  f.user_agent = t[k++];
  f.request_id = t[k++];
  f.authority = t[k++];
  f.upstream_host = t[k++];
  if (t.length !== ENVOY_DEFAULT_FIELDS) {
    f.upstream_cluster = t[k++];
    f.upstream_local_address = t[k++];
    f.downstream_local_address = t[k++];
    f.downstream_remote_address = t[k++];
    f.requested_server_name = t[k++];
    f.route_name = t[k++];
  }
  f.known = 1;
  return '';
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
