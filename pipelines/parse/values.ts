/**
 * Field readers shared by every parser. They sit on the hot path, so they never throw and never allocate
 * on success: a bad value is remembered in a module-level slot (`firstProblem`) and the caller checks that
 * slot once per record instead of once per field. Parsing is synchronous and these readers never call out,
 * so the slot cannot be clobbered by another record mid-way.
 */

import { reject, type Emit } from './parser.js';

/** Longest line we accept (1 MiB of UTF-16 code units): anything larger is a broken shipper or an attack. */
export const MAX_LINE_CHARS = 1 << 20;

/** The rejection reason of a line longer than MAX_LINE_CHARS. */
export function tooLongReason(line: string): string {
  return `line too long: ${line.length} characters (max ${MAX_LINE_CHARS})`;
}

/** Epoch-ms bounds for event times: anything outside is a corrupt or hostile timestamp. */
export const MIN_TIME_MS = Date.UTC(2000, 0, 1);
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/** Upper bounds for counters: far above anything real, low enough to keep sums exact (< 2^53). */
export const MAX_STATUS = 999;
export const MAX_BYTES = 1e15;
export const MAX_DURATION_MS = 1e10;

let firstProblem = '';

/** Start a record: forget the previous record's problem. */
export function resetProblem(): void {
  firstProblem = '';
}

/** The first problem seen since resetProblem(), or '' when the record is clean. */
export function problem(): string {
  return firstProblem;
}

function note(reason: string): void {
  if (firstProblem === '') firstProblem = reason;
}

/** Short, printable rendering of an offending value for a rejection reason. */
export function show(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = `'${v}'`;
  else if (v !== null && typeof v === 'object') s = Array.isArray(v) ? 'an array' : 'an object';
  else s = String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * A text field: '' when absent (undefined, null, '-' or ''), the string itself otherwise. Numbers are
 * accepted (a header value a shipper coerced); objects, arrays and booleans are a format we do not
 * understand, so they are noted as a problem rather than stringified.
 */
export function text(v: unknown, key: string): string {
  if (typeof v === 'string') return v === '-' ? '' : v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  note(`${key}: not a string: ${show(v)}`);
  return '';
}

/**
 * A non-negative integer field (status, bytes, duration): 0 when absent. Accepts JSON numbers and
 * decimal strings (Envoy's text format and some JSON formatters render numbers as strings). Rejects
 * signs, exponents, fractions and values above `max` instead of guessing.
 */
export function count(v: unknown, key: string, max: number): number {
  if (typeof v === 'number') {
    if (v >= 0 && v <= max && Number.isInteger(v)) return v;
    return badNumber(v, key, max);
  }
  if (typeof v === 'string') {
    const n = v.length;
    if (n === 0 || (n === 1 && v.charCodeAt(0) === 45) /* - */) return 0;
    // More than 16 digits cannot be below MAX_BYTES; stop before the sum loses precision.
    if (n > 16) return badNumber(v, key, max);
    let x = 0;
    for (let i = 0; i < n; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return badNumber(v, key, max);
      x = x * 10 + d;
    }
    if (x > max) return badNumber(v, key, max);
    return x;
  }
  if (v === undefined || v === null) return 0;
  return badNumber(v, key, max);
}

function badNumber(v: unknown, key: string, max: number): number {
  if (typeof v === 'number') {
    if (v < 0) note(`${key}: negative: ${v}`);
    else if (!Number.isFinite(v) || v > max) note(`${key}: too large: ${v} (max ${max})`);
    else note(`${key}: not an integer: ${v}`);
  } else if (typeof v === 'string') {
    const x = Number(v);
    if (v.trim() !== '' && Number.isFinite(x)) {
      if (x < 0) note(`${key}: negative: ${v}`);
      else if (x > max) note(`${key}: too large: ${show(v)} (max ${max})`);
      else note(`${key}: not a number: ${show(v)}`);
    } else note(`${key}: not a number: ${show(v)}`);
  } else note(`${key}: not a number: ${show(v)}`);
  return 0;
}

// One-entry cache: consecutive access-log lines almost always share the same minute, and Date.parse is
// the most expensive call per record after JSON.parse. Keyed on the first 16 chars (YYYY-MM-DDTHH:MM).
let cachedMinute = '';
let cachedMinuteMs = 0;

/**
 * ISO-8601 event time → epoch ms, or NaN with the problem noted. Envoy's default START_TIME is
 * `2020-11-25T21:26:18.409Z`; a time without a zone is read as UTC (Envoy logs UTC) so replays are
 * deterministic whatever the machine's time zone.
 */
export function isoTime(v: unknown, key: string): number {
  if (typeof v !== 'string') {
    if (v === undefined || v === null) note(`${key}: missing`);
    else note(`${key}: not an ISO-8601 time: ${show(v)}`);
    return NaN;
  }
  const n = v.length;
  if (n === 0 || (n === 1 && v.charCodeAt(0) === 45)) {
    note(`${key}: missing`);
    return NaN;
  }
  const t = n === 24 && v.charCodeAt(23) === 90 /* Z */ ? fastUtc(v) : slowIso(v);
  if (t !== t) {
    note(`${key}: not an ISO-8601 time: ${show(v)}`);
    return NaN;
  }
  if (t < MIN_TIME_MS || t >= MAX_TIME_MS) {
    note(`${key}: out of range (before 2000 or after 2100): ${show(v)}`);
    return NaN;
  }
  return t;
}

/** `YYYY-MM-DDTHH:MM:SS.sssZ` (Envoy's exact output): cached minute + seconds and millis by hand. */
function fastUtc(v: string): number {
  if (
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 /* T */ ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58 ||
    v.charCodeAt(19) !== 46
  ) {
    return slowIso(v);
  }
  const s1 = v.charCodeAt(17) - 48;
  const s2 = v.charCodeAt(18) - 48;
  const m1 = v.charCodeAt(20) - 48;
  const m2 = v.charCodeAt(21) - 48;
  const m3 = v.charCodeAt(22) - 48;
  if (s1 < 0 || s1 > 5 || s2 < 0 || s2 > 9 || m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || m3 < 0 || m3 > 9) {
    return NaN;
  }
  // Compare before slicing so the common case (same minute as the previous line) allocates nothing.
  if (!v.startsWith(cachedMinute) || cachedMinute === '') {
    const minute = v.slice(0, 16);
    const base = Date.parse(`${minute}:00Z`);
    if (base !== base) return NaN;
    cachedMinute = minute;
    cachedMinuteMs = base;
  }
  return cachedMinuteMs + (s1 * 10 + s2) * 1000 + m1 * 100 + m2 * 10 + m3;
}

function slowIso(v: string): number {
  // Require the ISO date shape: Date.parse alone would also accept "March 7 2020" and guess.
  if (v.length < 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return NaN;
  if (v.length > 10) {
    const sep = v.charCodeAt(10);
    if (sep !== 84 /* T */ && sep !== 32 /* space */) return NaN;
  }
  let s = v.length > 10 && v.charCodeAt(10) === 32 ? `${v.slice(0, 10)}T${v.slice(11)}` : v;
  if (s.length > 10 && !hasZone(s)) s += 'Z';
  return Date.parse(s);
}

function hasZone(s: string): boolean {
  const last = s.charCodeAt(s.length - 1);
  if (last === 90 || last === 122) return true; // Z / z
  // ±hh:mm or ±hhmm after the time part.
  const plus = s.lastIndexOf('+');
  const minus = s.lastIndexOf('-');
  return plus > 10 || minus > 10;
}

/**
 * OTLP `timeUnixNano` (a decimal string in OTLP/JSON, a number from lenient senders) → epoch ms;
 * 0 when absent or "0" (OTLP's "unknown"), NaN when malformed (noted).
 */
export function nanosToMs(v: unknown, key: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (v === 0) return 0;
    if (v > 0 && Number.isFinite(v)) return Math.floor(v / 1e6);
    note(`${key}: not a time: ${show(v)}`);
    return NaN;
  }
  if (typeof v !== 'string') {
    note(`${key}: not a time: ${show(v)}`);
    return NaN;
  }
  const n = v.length;
  if (n === 0 || v === '0') return 0;
  if (n > 20) {
    note(`${key}: not a time: ${show(v)}`);
    return NaN;
  }
  // Whole milliseconds are the digits before the last six: exact, no float rounding of 19-digit values.
  let ms = 0;
  for (let i = 0; i < n; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) {
      note(`${key}: not a time: ${show(v)}`);
      return NaN;
    }
    if (i < n - 6) ms = ms * 10 + d;
  }
  return ms;
}

/** Strip `?query` (and a stray `#fragment`) from a request path. */
export function pathOnly(p: string): string {
  const q = p.indexOf('?');
  const h = q === -1 ? p.indexOf('#') : q;
  return h === -1 ? p : p.slice(0, h);
}

/** The query string of a request path, without the `?` and any `#fragment`; '' when it has none. */
export function queryOnly(p: string): string {
  const q = p.indexOf('?');
  if (q === -1) return '';
  const h = p.indexOf('#', q + 1);
  return h === -1 ? p.slice(q + 1) : p.slice(q + 1, h);
}

/** Returned by parseJson when the text is not JSON; the message is in jsonError(). */
export const NOT_JSON: unique symbol = Symbol('not JSON');
let lastJsonError = '';

/**
 * JSON.parse without exceptions escaping: the one try/catch of the parsers lives here, so callers can loop
 * over records without a try block in the loop. JSON.parse never assigns prototypes (a `__proto__` key
 * becomes an ordinary own property), and nothing parsed is ever merged into our own objects.
 */
export function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    lastJsonError = m.length > 160 ? `${m.slice(0, 157)}...` : m;
    return NOT_JSON;
  }
}

export function jsonError(): string {
  return lastJsonError;
}

let cachedLine: string | undefined;
let cachedDoc: unknown = NOT_JSON;
let cachedError = '';

/**
 * parseJson, remembering the last line: format detection decodes a line to look at its keys, and the
 * parser it picks then reads the same document instead of decoding it twice. Documents are never mutated.
 */
export function parseJsonCached(s: string): unknown {
  if (s === cachedLine) {
    lastJsonError = cachedError;
    return cachedDoc;
  }
  const doc = parseJson(s);
  cachedLine = s;
  cachedDoc = doc;
  cachedError = lastJsonError;
  return doc;
}

/**
 * The first step of every JSON format: the size check and the one JSON.parse of the line. Returns the
 * document, or NOT_JSON after emitting the rejection.
 */
export function decodeJsonLine(line: string, emit: Emit): unknown {
  if (line.length > MAX_LINE_CHARS) {
    emit(reject(tooLongReason(line)));
    return NOT_JSON;
  }
  const o = parseJsonCached(line);
  if (o === NOT_JSON) emit(reject(`not JSON: ${jsonError()}`));
  return o;
}

/** Index of the first non-blank character (space, tab, CR, LF, BOM), or the length. */
export function firstNonBlank(s: string): number {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) break;
    i++;
  }
  return i;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
