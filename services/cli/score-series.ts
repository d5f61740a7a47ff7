/**
 * `meshguard score-series --input IN.csv --output OUT.csv`
 *
 * Scores a univariate series (`timestamp,value` with a header) with the metric detector stack
 * (models/statistical/series-stack) and writes `timestamp,value,anomaly_score`. Streaming: each row is
 * scored from the rows before it and itself only, so the output for a prefix of a file never depends on
 * what follows. Timestamp and value text are copied through unchanged.
 *
 * Rows that cannot be parsed are reported on stderr with their line number, skipped and counted; rows
 * with an empty value (or NaN) are kept with score 0. Exit codes: 0 done, 1 unreadable input or bad
 * header, 2 bad usage. A one-line JSON summary goes to stdout (to stderr when the output is stdout).
 */
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { assembleSeriesDetector } from '../assembly/series.js';

const USAGE = `Usage: meshguard score-series --input IN.csv --output OUT.csv

  --input FILE    CSV with a header "timestamp,value" ("-" reads stdin)
  --output FILE   CSV "timestamp,value,anomaly_score" ("-" writes stdout)

Timestamps: ISO-8601, "YYYY-MM-DD HH:MM:SS" (UTC), or epoch seconds / milliseconds.
Each row is scored only from the rows before it and itself.`;

export interface ScoreSeriesSummary {
  rows: number;
  scored: number;
  empty: number;
  skipped: number;
  anomalies: number;
  seconds: number;
  rows_per_second: number;
}

interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: NodeJS.ReadableStream;
}

/** Runs the command; resolves to the process exit code (never exits the process itself). */
export async function runScoreSeries(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
): Promise<number> {
  const say = (stream: Writable, text: string): void =>
    void stream.write(text.endsWith('\n') ? text : `${text}\n`);
  let values: { input?: string; output?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    say(io.stderr, `meshguard score-series: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    say(io.stdout, USAGE);
    return 0;
  }
  if (!values.input || !values.output) {
    say(io.stderr, `meshguard score-series: --input and --output are required\n\n${USAGE}`);
    return 2;
  }
  if (values.input !== '-') {
    if (!existsSync(values.input)) {
      say(io.stderr, `meshguard score-series: input file not found: ${values.input}`);
      return 1;
    }
    if (!statSync(values.input).isFile()) {
      say(io.stderr, `meshguard score-series: input is not a file: ${values.input}`);
      return 1;
    }
  }

  const toStdout = values.output === '-';
  const out: Writable = toStdout ? io.stdout : createWriteStream(values.output);
  const outError = new Promise<Error>((resolve) => out.once('error', resolve));
  const input = values.input === '-' ? io.stdin : createReadStream(values.input);
  const lines = createInterface({ input, crlfDelay: Infinity });

  const started = performance.now();
  const detector = assembleSeriesDetector();
  const summary: ScoreSeriesSummary = {
    rows: 0,
    scored: 0,
    empty: 0,
    skipped: 0,
    anomalies: 0,
    seconds: 0,
    rows_per_second: 0,
  };
  let lineNo = 0;
  let header = true;
  let buffer = '';
  const flush = async (): Promise<void> => {
    if (buffer && !out.write(buffer)) await Promise.race([once(out, 'drain'), outError]);
    buffer = '';
  };

  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (header) {
        if (line.trim() === '') continue;
        const problem = checkHeader(line);
        if (problem) {
          say(io.stderr, `meshguard score-series: line ${lineNo}: ${problem}`);
          lines.close();
          if (!toStdout) out.end();
          return 1;
        }
        header = false;
        buffer += 'timestamp,value,anomaly_score\n';
        continue;
      }
      if (line.trim() === '') continue;
      const row = parseRow(line);
      if (!row.ok) {
        summary.skipped++;
        say(io.stderr, `line ${lineNo}: skipped: ${row.reason}`);
        continue;
      }
      summary.rows++;
      let score = 0;
      if (row.value === undefined) summary.empty++;
      else {
        score = detector.update(row.timeMs, row.value).score;
        summary.scored++;
        if (score >= 0.5) summary.anomalies++;
      }
      buffer += `${row.timestampText},${row.valueText},${formatScore(score)}\n`;
      if (buffer.length > 65_536) await flush();
    }
    if (header) {
      say(io.stderr, 'meshguard score-series: the input is empty (expected a "timestamp,value" header)');
      if (!toStdout) out.end();
      return 1;
    }
    await flush();
    if (!toStdout) {
      out.end();
      const done = await Promise.race([once(out, 'finish').then(() => undefined), outError]);
      if (done instanceof Error) throw done;
    }
  } catch (error) {
    say(io.stderr, `meshguard score-series: ${(error as Error).message}`);
    return 1;
  }

  summary.seconds = Number(((performance.now() - started) / 1000).toFixed(3));
  summary.rows_per_second = summary.seconds > 0 ? Math.round(summary.rows / summary.seconds) : summary.rows;
  if (summary.skipped > 0)
    say(io.stderr, `meshguard score-series: ${summary.skipped} unparsable row(s) skipped`);
  say(toStdout ? io.stderr : io.stdout, JSON.stringify(summary));
  return 0;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function checkHeader(line: string): string | undefined {
  const cols = line.split(',').map((c) => unquote(c).toLowerCase());
  if (cols.length < 2 || cols[0] !== 'timestamp' || cols[1] !== 'value') {
    return `expected the header "timestamp,value", found "${line.slice(0, 80)}"`;
  }
  return undefined;
}

type Row =
  | { ok: true; timestampText: string; valueText: string; timeMs: number; value: number | undefined }
  | { ok: false; reason: string };

export function parseRow(line: string): Row {
  const comma = line.indexOf(',');
  if (comma < 0) return { ok: false, reason: `expected "timestamp,value", found "${line.slice(0, 80)}"` };
  const timestampText = line.slice(0, comma);
  const rest = line.slice(comma + 1);
  const second = rest.indexOf(',');
  const valueText = second < 0 ? rest : rest.slice(0, second);
  const timeMs = parseTimestamp(unquote(timestampText));
  if (timeMs === undefined)
    return { ok: false, reason: `unparsable timestamp "${timestampText.slice(0, 40)}"` };
  const v = unquote(valueText);
  if (v === '' || /^nan$/i.test(v)) return { ok: true, timestampText, valueText, timeMs, value: undefined };
  const value = Number(v);
  if (!Number.isFinite(value)) return { ok: false, reason: `unparsable value "${valueText.slice(0, 40)}"` };
  return { ok: true, timestampText, valueText, timeMs, value };
}

const NAB_STYLE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Epoch milliseconds for the timestamp forms series come in, or undefined. Times without a zone are
 * UTC (never the machine's local zone: the same file must score the same everywhere).
 */
export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    // Below 1e11 it is seconds (1e11 s is the year 5138; 1e11 ms is 1973).
    return Math.abs(n) < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  let m = NAB_STYLE.exec(t);
  if (m) {
    const [, y, mo, d, h, mi, s, frac] = m;
    const ms = Date.UTC(
      +y!,
      +mo! - 1,
      +d!,
      +h!,
      +mi!,
      s ? +s : 0,
      frac ? Math.round(Number(frac) * 1000) : 0,
    );
    return validDate(ms, +mo!, +d!);
  }
  m = DATE_ONLY.exec(t);
  if (m) return validDate(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!), +m[2]!, +m[3]!);
  if (ISO_ZONED.test(t)) {
    const ms = Date.parse(t);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** Date.UTC rolls 2024-02-31 over to March: reject instead of silently moving the row. */
function validDate(ms: number, month: number, day: number): number | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  return d.getUTCMonth() + 1 === month && d.getUTCDate() === day ? ms : undefined;
}

function formatScore(s: number): string {
  if (s <= 0) return '0';
  if (s >= 1) return '1';
  return String(Number(s.toFixed(6)));
}
