/**
 * `meshguard train --input baseline.jsonl --output MODEL_DIR [--epochs 30] [--window-secs 10]`
 *
 * Fits the autoencoder (models/neural/autoencoder) on baseline traffic that is believed normal, shows
 * progress on stderr, and saves the model where `neural.model_dir` can point. The access log is turned
 * into per-workload window feature rows by the same window aggregator the scorer uses, so training and
 * scoring see identical features. `--input-format feature-rows` trains on rows already extracted (one
 * JSON array of the 14 features, or an object keyed by feature name, per line).
 *
 * Exit codes: 0 saved, 1 input unreadable / too little data / save failed, 2 bad usage. A one-line JSON
 * summary goes to stdout.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { MeshguardError } from '../../pipelines/core/errors.js';
import { FEATURE_NAMES, rowProblem } from '../../models/neural/autoencoder/features.js';

const USAGE = `Usage: meshguard train --input baseline.jsonl --output MODEL_DIR [options]

  --input FILE          baseline traffic believed normal ("-" reads stdin): access logs in any format
                        replay reads, or feature rows with --input-format feature-rows
  --output DIR          where to save the model (model.json, weights.bin, meshguard-autoencoder.json)
  --epochs N            training epochs (default 30)
  --window-secs N       window length used to turn logs into feature rows (default 10; use the same
                        value as windowing.window_secs in the scorer's config)
  --input-format F      access-log (default) | feature-rows
  --log-level L         debug | info | warn | error | silent (default warn)

Point neural.model_dir at DIR in the config to score with the trained model.`;

export interface TrainIo {
  stdout: Writable;
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable;
}

export interface TrainDeps {
  /** Access log → feature rows (defaults to the pipeline's window aggregator). */
  readRows?: (path: string, windowSecs: number) => Promise<number[][]>;
  logger?: Logger;
}

export interface TrainSummary {
  rows: number;
  rejected_rows: number;
  epochs: number;
  final_loss: number;
  backend: string;
  output: string;
  seconds: number;
}

/** Access-log lines of a file (or stdin for "-"), read lazily. */
function readLines(path: string, stdin: Readable): AsyncIterable<string> {
  const input = path === '-' ? stdin : createReadStream(path, { encoding: 'utf8' });
  return createInterface({ input, crlfDelay: Infinity });
}

/**
 * Per-workload window feature rows (FEATURE_NAMES order) from an access-log file, through the same
 * window aggregator the scorer uses. `path` "-" reads stdin.
 */
export async function featureRowsFromFile(
  path: string,
  windowSecs: number,
  stdin: Readable = process.stdin,
): Promise<number[][]> {
  // Imported here, not at the top: the assembly pulls in the parsers and detectors, which
  // `--input-format feature-rows` does not need.
  const { loadConfig } = await import('../../config/load.js');
  const { assemble } = await import('../assembly/assemble.js');
  const { EventClock } = await import('../../pipelines/core/clock.js');
  const { parseLine, parseOptionsOf } = await import('../../pipelines/parse/index.js');
  // The rows are what serving computes: the same pipeline, quiet, with nothing to respond to.
  const cfg = await loadConfig({
    env: {},
    overrides: {
      log_level: 'silent',
      windowing: { window_secs: windowSecs },
      neural: { enabled: false },
      redis: { url: '' },
      quarantine: { sink: 'none' },
      alerts: { channels: [] },
    },
  });
  const clock = new EventClock();
  const rows: number[][] = [];
  const { pipeline, shutdown } = await assemble(cfg, {
    eventClock: clock,
    trackDirtyEntities: false,
    onFeatures: (batch) => {
      for (const r of batch) rows.push(r.row);
      return [];
    },
  });
  const parseOptions = parseOptionsOf(cfg);
  for await (const line of readLines(path, stdin)) {
    if (line.length === 0) continue;
    parseLine(line, 'auto', parseOptions, (r) => {
      if (!r.ok) return;
      clock.advance(r.event.timeMs);
      pipeline.push(r.event);
    });
  }
  pipeline.finish();
  await pipeline.drain();
  await shutdown();
  return rows;
}

/** Feature rows already extracted: a JSON array of 14 numbers, or an object keyed by feature name, per line. */
export async function featureRowsFromJsonl(
  path: string,
  stdin: Readable = process.stdin,
): Promise<{ rows: number[][]; rejected: Array<{ line: number; reason: string }> }> {
  const rows: number[][] = [];
  const rejected: Array<{ line: number; reason: string }> = [];
  let line = 0;
  for await (const text of readLines(path, stdin)) {
    line++;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      rejected.push({ line, reason: 'not valid JSON' });
      continue;
    }
    const row =
      Array.isArray(value) || typeof value !== 'object' || value === null
        ? value
        : FEATURE_NAMES.map((name) => (value as Record<string, unknown>)[name] ?? Number.NaN);
    const problem = rowProblem(row);
    if (problem) rejected.push({ line, reason: problem });
    else rows.push(row as number[]);
  }
  return { rows, rejected };
}

/**
 * Epoch progress on stderr: a redrawn bar on a terminal, plain lines (at most ~20) otherwise, so CI
 * logs stay readable.
 */
export class TrainProgress {
  private readonly started: number;
  private readonly every: number;

  constructor(
    private readonly out: Writable & { isTTY?: boolean; columns?: number },
    private readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.every = Math.max(1, Math.ceil(total / 20));
  }

  update(epoch: number, loss: number): void {
    const elapsedMs = this.now() - this.started;
    const etaMs = (elapsedMs / epoch) * (this.total - epoch);
    const text = `epoch ${epoch}/${this.total}  loss ${formatLoss(loss)}  ETA ${formatDuration(etaMs)}`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((epoch / this.total) * width);
      // \r + erase-to-end-of-line redraws in place.
      this.out.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      if (epoch === this.total) this.out.write('\n');
    } else if (epoch % this.every === 0 || epoch === this.total || epoch === 1) {
      this.out.write(`${text}\n`);
    }
  }
}

function formatLoss(loss: number): string {
  return Number.isFinite(loss) ? loss.toPrecision(4) : String(loss);
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new MeshguardError(
      'MESHGUARD_ERR_CLI_USAGE',
      `${flag}: expected a positive integer, got "${text}"`,
    );
  return n;
}

/** Runs the command; resolves to the process exit code (never exits the process itself). */
export async function runTrain(
  argv: string[],
  io: TrainIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
  deps: TrainDeps = {},
): Promise<number> {
  const say = (text: string): void => void io.stderr.write(`${text}\n`);
  const started = performance.now();

  let opts: {
    input: string;
    output: string;
    epochs: number;
    windowSecs: number;
    format: 'access-log' | 'feature-rows';
    logLevel: string;
  };
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        epochs: { type: 'string' },
        'window-secs': { type: 'string' },
        'input-format': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (!values.input) throw new MeshguardError('MESHGUARD_ERR_CLI_USAGE', '--input is required');
    if (!values.output) throw new MeshguardError('MESHGUARD_ERR_CLI_USAGE', '--output is required');
    const format = values['input-format'] ?? 'access-log';
    if (format !== 'access-log' && format !== 'feature-rows')
      throw new MeshguardError(
        'MESHGUARD_ERR_CLI_USAGE',
        `--input-format: expected access-log or feature-rows, got "${format}"`,
      );
    const logLevel = values['log-level'] ?? 'warn';
    if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel))
      throw new MeshguardError('MESHGUARD_ERR_CLI_USAGE', `--log-level: unknown level "${logLevel}"`);
    opts = {
      input: values.input,
      output: values.output,
      epochs: positiveInteger(values.epochs, '--epochs', 30),
      windowSecs: positiveInteger(values['window-secs'], '--window-secs', 10),
      format,
      logLevel,
    };
  } catch (error) {
    const message = error instanceof MeshguardError ? error.message : (error as Error).message;
    say(`meshguard train: ${message}\n\n${USAGE}`);
    return 2;
  }

  const logger =
    deps.logger ?? pino({ level: opts.logLevel, base: { command: 'train' } }, pino.destination(2));

  // 1. Rows.
  let rows: number[][];
  let rejectedRows = 0;
  try {
    if (opts.input !== '-') await stat(opts.input);
    if (opts.format === 'feature-rows') {
      const read = await featureRowsFromJsonl(opts.input, io.stdin);
      rows = read.rows;
      rejectedRows = read.rejected.length;
      for (const r of read.rejected.slice(0, 5))
        say(`meshguard train: ${opts.input}:${r.line}: skipped: ${r.reason}`);
      if (read.rejected.length > 5)
        say(`meshguard train: … and ${read.rejected.length - 5} more rows skipped`);
    } else {
      const readRows =
        deps.readRows ?? ((path: string, secs: number) => featureRowsFromFile(path, secs, io.stdin));
      rows = await readRows(opts.input, opts.windowSecs);
    }
  } catch (error) {
    say(`meshguard train: cannot read ${opts.input}: ${(error as Error).message}`);
    return 1;
  }
  say(`meshguard train: ${rows.length} feature rows from ${opts.input === '-' ? 'stdin' : opts.input}`);

  // 2. Fit (tfjs is loaded only now, by the detector).
  const { AutoencoderDetector } = await import('../../models/neural/autoencoder/index.js');
  const detector = await AutoencoderDetector.create({ logger, config: { epochs: opts.epochs } });
  say(`meshguard train: TensorFlow.js backend ${detector.backend}; ${opts.epochs} epochs`);
  const progress = new TrainProgress(io.stderr, opts.epochs);
  try {
    await detector.fit(rows, { epochs: opts.epochs, onEpoch: (epoch, loss) => progress.update(epoch, loss) });
  } catch (error) {
    say(`meshguard train: ${(error as Error).message}`);
    detector.dispose();
    return 1;
  }

  // 3. Save.
  try {
    await detector.save(opts.output);
  } catch (error) {
    say(`meshguard train: cannot save the model to ${opts.output}: ${(error as Error).message}`);
    detector.dispose();
    return 1;
  }
  const meta = detector.metadata!;
  detector.dispose();
  const summary: TrainSummary = {
    rows: meta.training.rows,
    rejected_rows: rejectedRows + meta.training.rejectedRows,
    epochs: meta.training.epochs,
    final_loss: meta.training.finalLoss,
    backend: meta.training.backend,
    output: opts.output,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  say(`meshguard train: saved to ${opts.output}; set neural.model_dir: ${opts.output} to use it`);
  io.stdout.write(`${JSON.stringify(summary)}\n`);
  return 0;
}
