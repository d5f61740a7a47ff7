/** `meshguard train` (services/cli/train.ts): argument handling, progress output, the saved model. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain, TrainProgress, formatDuration, type TrainIo } from '../../../../services/cli/train.js';
import { AutoencoderDetector, FEATURE_NAMES } from '../../../../models/neural/autoencoder/index.js';
import { exfiltrationRows, normalRows } from '../../../fixtures/models/synthetic-rows.js';
import { SourceWindow } from '../../../../pipelines/features/window.js';
import { workloadRow } from '../../../../pipelines/features/row.js';
import { simulateInto } from '../../../../pipelines/sources/simulator/index.js';

class Capture extends Writable {
  text = '';
  isTTY?: boolean;
  constructor(tty = false) {
    super();
    if (tty) this.isTTY = true;
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

function io(tty = false): TrainIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture(tty), stdin: new PassThrough() };
}

const logger = pino({ level: 'silent' });

describe('meshguard train', () => {
  let dir: string;
  let rowsFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-train-'));
    rowsFile = join(dir, 'rows.jsonl');
    const rows = normalRows(600, 7);
    // Both accepted shapes: arrays in FEATURE_NAMES order and objects keyed by feature name; plus junk.
    const lines = rows.map((r, i) =>
      i % 2 ? JSON.stringify(r) : JSON.stringify(Object.fromEntries(FEATURE_NAMES.map((n, j) => [n, r[j]]))),
    );
    lines.splice(10, 0, 'not json', '[1,2,3]', '');
    await writeFile(rowsFile, lines.join('\n') + '\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains on feature rows, reports progress as plain lines when stderr is not a terminal, and saves a usable model', async () => {
    const out = join(dir, 'model');
    const streams = io(false);
    const code = await runTrain(
      ['--input', rowsFile, '--output', out, '--epochs', '6', '--input-format', 'feature-rows'],
      streams,
      { logger },
    );
    expect(code).toBe(0);
    const summary = JSON.parse(streams.stdout.text) as Record<string, unknown>;
    expect(summary).toMatchObject({ rows: 600, rejected_rows: 2, epochs: 6, output: out });
    expect(typeof summary.final_loss).toBe('number');
    expect(streams.stderr.text).toMatch(/rows\.jsonl:11: skipped: not valid JSON/);
    expect(streams.stderr.text).toMatch(/rows\.jsonl:12: skipped: row has 3 values, expected 14/);
    expect(streams.stderr.text).toMatch(/^epoch 1\/6 {2}loss [\d.e+-]+ {2}ETA \d+s$/m);
    expect(streams.stderr.text).toMatch(/^epoch 6\/6 {2}loss [\d.e+-]+ {2}ETA 0s$/m);
    expect(streams.stderr.text).not.toContain('\r');

    const detector = await AutoencoderDetector.create({ logger, modelDir: out });
    try {
      expect(detector.trained).toBe(true);
      const normal = detector.scoreBatch(normalRows(50, 70)).map((r) => r.score);
      const exfil = detector.scoreBatch(exfiltrationRows(10, 71)).map((r) => r.score);
      expect(Math.min(...exfil)).toBeGreaterThan(
        Math.max(
          ...normal
            .slice()
            .sort((a, b) => a - b)
            .slice(0, 45),
        ),
      );
    } finally {
      detector.dispose();
    }
  });

  it('draws a redrawn progress bar on a terminal', async () => {
    const streams = io(true);
    const code = await runTrain(
      ['-i', rowsFile, '-o', join(dir, 'model-tty'), '--epochs', '3', '--input-format', 'feature-rows'],
      streams,
      { logger },
    );
    expect(code).toBe(0);
    expect(streams.stderr.text).toMatch(/\r\[#{8}-{16}\] epoch 1\/3 {2}loss \S+ {2}ETA \S+\x1b\[K/);
    expect(streams.stderr.text).toMatch(/\r\[#{24}\] epoch 3\/3 .*\n/);
  });

  it('turns access logs into rows through the window aggregator, with the window length given', async () => {
    const seen: Array<[string, number]> = [];
    const streams = io();
    const code = await runTrain(
      ['--input', rowsFile, '--output', join(dir, 'model-logs'), '--epochs', '2', '--window-secs', '30'],
      streams,
      {
        logger,
        readRows: async (path, windowSecs) => {
          seen.push([path, windowSecs]);
          return normalRows(120, 3);
        },
      },
    );
    expect(code).toBe(0);
    expect(seen).toEqual([[rowsFile, 30]]);
    expect(JSON.parse(streams.stdout.text)).toMatchObject({ rows: 120, epochs: 2 });
  });

  it('rejects bad usage with exit code 2 and the usage text', async () => {
    for (const argv of [
      ['--input', 'x.jsonl'],
      ['--output', 'dir'],
      ['--input', 'x', '--output', 'y', '--epochs', 'many'],
      ['--input', 'x', '--output', 'y', '--epochs', '0'],
      ['--input', 'x', '--output', 'y', '--input-format', 'csv'],
      ['--input', 'x', '--output', 'y', '--bogus'],
    ]) {
      const streams = io();
      expect(await runTrain(argv, streams, { logger })).toBe(2);
      expect(streams.stderr.text).toMatch(/^meshguard train: .+\n\nUsage: meshguard train/);
      expect(streams.stdout.text).toBe('');
    }
  });

  it('fails with exit code 1 and a clear message on a missing input or too little data', async () => {
    const missing = io();
    expect(
      await runTrain(['--input', join(dir, 'nope.jsonl'), '--output', join(dir, 'm1')], missing, { logger }),
    ).toBe(1);
    expect(missing.stderr.text).toMatch(/cannot read .*nope\.jsonl: ENOENT/);

    const small = join(dir, 'small.jsonl');
    await writeFile(
      small,
      normalRows(5)
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const few = io();
    expect(
      await runTrain(['--input', small, '--output', join(dir, 'm2'), '--input-format', 'feature-rows'], few, {
        logger,
      }),
    ).toBe(1);
    expect(few.stderr.text).toMatch(/needs at least 50 valid feature rows to train, got 5/);
    await expect(readFile(join(dir, 'm2', 'model.json'))).rejects.toThrow(/ENOENT/);
  });

  it('trains from an Istio access log through the real window aggregator', async () => {
    const lines: string[] = [];
    simulateInto(
      {
        seed: 5,
        startMs: Date.parse('2025-01-01T00:00:00Z'),
        durationMs: 5 * 60_000,
        services: 10,
        ratePerSec: 20,
        scenarios: [],
        benign: [],
      },
      (line) => lines.push(line),
    );
    const logFile = join(dir, 'baseline-access.jsonl');
    await writeFile(logFile, lines.join('\n') + '\n');
    const streams = io();
    const code = await runTrain(
      ['--input', logFile, '--output', join(dir, 'model-real'), '--epochs', '3'],
      streams,
      { logger },
    );
    expect(streams.stderr.text).toMatch(/meshguard train: \d+ feature rows from/);
    expect(code).toBe(0);
    const summary = JSON.parse(streams.stdout.text) as { rows: number };
    expect(summary.rows).toBeGreaterThanOrEqual(50);
  });

  it('gets one value per feature name from the window aggregator', () => {
    const sw = new SourceWindow('spiffe://cluster.local/ns/shop/sa/frontend');
    const row = workloadRow(sw, 0, 0);
    expect(row).toHaveLength(FEATURE_NAMES.length);
    expect(row.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('prints help on --help with exit code 0', async () => {
    const streams = io();
    expect(await runTrain(['--help'], streams)).toBe(0);
    expect(streams.stdout.text).toMatch(/--window-secs/);
  });
});

describe('TrainProgress', () => {
  it('prints at most about twenty plain lines for long runs, always the first and last epoch', () => {
    const out = new Capture(false);
    let t = 0;
    const progress = new TrainProgress(out, 1000, () => t);
    for (let e = 1; e <= 1000; e++) {
      t += 100;
      progress.update(e, 1 / e);
    }
    const lines = out.text.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(22);
    expect(lines[0]).toBe('epoch 1/1000  loss 1.000  ETA 1m40s');
    expect(lines[lines.length - 1]).toBe('epoch 1000/1000  loss 0.001000  ETA 0s');
  });

  it('formats durations for people', () => {
    expect(formatDuration(4_400)).toBe('4s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(3_725_000)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
