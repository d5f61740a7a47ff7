import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTf } from '../../../../../models/neural/backend.js';
import {
  AutoencoderDetector,
  autoencoderFindings,
  FEATURE_NAMES,
  METADATA_FILE,
  scheduleRefit,
  type AutoencoderScore,
} from '../../../../../models/neural/autoencoder/index.js';
import { exfiltrationRows, normalRows, scanningRows } from '../../../../fixtures/models/synthetic-rows.js';

/** A pino logger whose JSON lines are kept for assertions. */
function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const scores = (rs: AutoencoderScore[]): number[] => rs.map((r) => r.score);

describe('AutoencoderDetector', () => {
  const { logger, lines } = capturingLogger();
  let detector: AutoencoderDetector;
  let dir: string;
  const epochsSeen: Array<[number, number]> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-ae-'));
    detector = await AutoencoderDetector.create({ logger });
    expect(detector.trained).toBe(false);
    await detector.fit(normalRows(1500, 11), { epochs: 40, onEpoch: (e, l) => epochsSeen.push([e, l]) });
  });
  afterAll(async () => {
    detector?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs the backend it chose: wasm here (tfjs-node is not installed), tensorflow where it is, or the pinned one', () => {
    const selected = lines.find((l) => l.msg === 'TensorFlow.js backend selected');
    expect(selected).toBeDefined();
    let nativeInstalled = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      nativeInstalled = false;
    }
    // An operator can pin the backend (MESHGUARD_TF_BACKEND=cpu runs this whole file on the pure-JS one).
    const pinned = process.env.MESHGUARD_TF_BACKEND;
    expect(selected!.backend).toBe(pinned || (nativeInstalled ? 'tensorflow' : 'wasm'));
    expect(detector.backend).toBe(selected!.backend);
  });

  it('reports every epoch with a falling loss', () => {
    expect(epochsSeen.map(([e]) => e)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const first = epochsSeen[0]![1];
    const last = epochsSeen[epochsSeen.length - 1]![1];
    expect(last).toBeLessThan(first / 2);
    expect(detector.trained).toBe(true);
    expect(detector.metadata?.training.rows).toBe(1500);
  });

  it('scores exfiltration-like windows (10× bytes_up, new destinations, egress) far above normal ones', () => {
    const normal = scores(detector.scoreBatch(normalRows(300, 99)));
    const exfil = detector.scoreBatch(exfiltrationRows(60));
    const exfilScores = scores(exfil);
    expect(median(normal)).toBeLessThan(0.8);
    expect(Math.min(...exfilScores)).toBeGreaterThan(0.995);
    // Calibration: held-out normal windows rarely cross the default 0.99 threshold.
    expect(normal.filter((s) => s >= 0.99).length / normal.length).toBeLessThan(0.05);
    // The evidence names the features that moved.
    const exfilFeatures = [
      'bytes_up',
      'egress_requests',
      'egress_bytes_up',
      'new_destinations',
      'distinct_destinations',
    ];
    for (const r of exfil) expect(exfilFeatures).toContain(r.topFeatures[0]!.name);
    for (const r of exfil) {
      expect(r.topFeatures).toHaveLength(3);
      expect(r.topFeatures[0]!.contribution).toBeGreaterThanOrEqual(r.topFeatures[1]!.contribution);
    }
  });

  it('scores scanning-like windows high, driven by path features', () => {
    const scan = detector.scoreBatch(scanningRows(30));
    expect(Math.min(...scores(scan))).toBeGreaterThan(0.995);
    // Reconstruction error smears across outputs (a far-off input drags other outputs with it), so the
    // path features are asserted among the top two rather than always first.
    const pathFeatures = ['new_paths', 'distinct_paths', 'ratio_not_found', 'ratio_4xx'];
    for (const r of scan)
      expect(r.topFeatures.slice(0, 2).some((f) => pathFeatures.includes(f.name))).toBe(true);
  });

  it('orders scores by error beyond the worst training window instead of saturating', () => {
    const base = normalRows(1, 5)[0]!;
    const mild = [...base];
    mild[3] = 2;
    const extreme = [...base];
    extreme[3] = 2;
    extreme[9] = base[9]! * 1000;
    extreme[11] = 500;
    const [a, b] = detector.scoreBatch([mild, extreme]);
    expect(b!.error).toBeGreaterThan(a!.error);
    expect(b!.score).toBeGreaterThan(a!.score);
    expect(b!.score).toBeLessThanOrEqual(1);
  });

  it('leaves no tensor behind after scoreBatch', async () => {
    const tf = await loadTf();
    detector.scoreBatch(normalRows(10, 3)); // warm-up (kernels may cache)
    const before = tf.memory().numTensors;
    detector.scoreBatch(normalRows(500, 4));
    detector.scoreBatch(exfiltrationRows(20));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('sets invalid rows aside with a reason and scores the rest', () => {
    const good = normalRows(2, 8);
    const before = detector.stats.rowsRejected;
    const out = detector.scoreBatch([
      good[0]!,
      [1, 2, 3],
      [...good[1]!.slice(0, 13), Number.NaN],
      [...good[1]!.slice(0, 13), -5],
      good[1]!,
    ]);
    expect(out[0]!.rejected).toBeUndefined();
    expect(out[0]!.score).toBeGreaterThan(0);
    expect(out[1]!.rejected).toMatch(/expected 14/);
    expect(out[2]!.rejected).toMatch(/mean_duration_ms is not a finite number/);
    expect(out[3]!.rejected).toMatch(/mean_duration_ms is negative/);
    expect(out[4]!.rejected).toBeUndefined();
    expect(detector.stats.rowsRejected - before).toBe(3);
  });

  it('save → load gives identical scores, in the standard tfjs layout', async () => {
    await detector.save(dir);
    expect((await readdir(dir)).sort()).toEqual([METADATA_FILE, 'model.json', 'weights.bin']);
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest).toEqual([expect.objectContaining({ paths: ['./weights.bin'] })]);
    const meta = JSON.parse(await readFile(join(dir, METADATA_FILE), 'utf8')) as Record<string, unknown>;
    expect(meta.featureNames).toEqual([...FEATURE_NAMES]);

    const loaded = await AutoencoderDetector.create({ logger, modelDir: dir });
    try {
      expect(loaded.trained).toBe(true);
      const rows = [...normalRows(50, 21), ...exfiltrationRows(10, 22)];
      expect(loaded.scoreBatch(rows)).toEqual(detector.scoreBatch(rows));
    } finally {
      loaded.dispose();
    }
  });

  it('refuses a model directory whose weights do not match its metadata', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'meshguard-ae-broken-'));
    try {
      await detector.save(broken);
      const weights = await readFile(join(broken, 'weights.bin'));
      weights[0] = weights[0]! ^ 0xff;
      await writeFile(join(broken, 'weights.bin'), weights);
      await expect(AutoencoderDetector.create({ logger, modelDir: broken })).rejects.toThrow(
        /retrain it with `meshguard train`[\s\S]*weights\.bin/,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('starts untrained from a directory without a model and scores 0 without throwing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'meshguard-ae-empty-'));
    try {
      const fresh = await AutoencoderDetector.create({ logger, modelDir: empty });
      expect(fresh.trained).toBe(false);
      expect(fresh.scoreBatch(exfiltrationRows(2))).toEqual([
        { score: 0, error: 0, topFeatures: [] },
        { score: 0, error: 0, topFeatures: [] },
      ]);
      await expect(fresh.save(empty)).rejects.toThrow(/untrained/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses to train on too few valid rows, naming the count', async () => {
    const fresh = await AutoencoderDetector.create({ logger });
    await expect(fresh.fit([...normalRows(10), [Number.NaN]])).rejects.toThrow(
      /at least 50 valid feature rows to train, got 10 \(1 rejected\)/,
    );
    expect(fresh.trained).toBe(false);
  });

  it('trains reproducibly: same rows and seed give the same scores', async () => {
    const a = await AutoencoderDetector.create({ logger });
    const b = await AutoencoderDetector.create({ logger });
    try {
      const rows = normalRows(300, 31);
      await a.fit(rows, { epochs: 3 });
      await b.fit(rows, { epochs: 3 });
      const probe = exfiltrationRows(5, 32);
      expect(a.scoreBatch(probe)).toEqual(b.scoreBatch(probe));
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('scores 10,000 rows in one batch (throughput reported)', () => {
    const rows = normalRows(10_000, 41);
    detector.scoreBatch(rows.slice(0, 100));
    const started = performance.now();
    const out = detector.scoreBatch(rows);
    const seconds = (performance.now() - started) / 1000;
    const rate = Math.round(rows.length / seconds);
    console.info(
      `autoencoder scoreBatch: ${rows.length} rows in ${(seconds * 1000).toFixed(0)} ms = ${rate} rows/s (${detector.backend})`,
    );
    expect(out).toHaveLength(10_000);
    expect(out.every((r) => r.score > 0 && r.score < 1)).toBe(true);
    // A floor far below what any backend achieves, to catch an accidental per-row predict.
    expect(rate).toBeGreaterThan(5_000);
  });
});

describe('scheduleRefit', () => {
  it('refits in the background on recent rows while scoring goes on, and stops on abort', async () => {
    const { logger } = capturingLogger();
    const detector = await AutoencoderDetector.create({ logger, config: { epochs: 5 } });
    const controller = new AbortController();
    let calls = 0;
    const loop = scheduleRefit(
      detector,
      () => {
        calls++;
        return normalRows(400, 50 + calls);
      },
      20,
      controller.signal,
      { logger },
    );
    // Scoring is answered (untrained → 0) while the first refit is pending or running.
    const probe = exfiltrationRows(3);
    let scoredDuringRefit = 0;
    while (!detector.trained) {
      detector.scoreBatch(probe);
      scoredDuringRefit++;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(scoredDuringRefit).toBeGreaterThan(1);
    expect(Math.min(...detector.scoreBatch(probe).map((r) => r.score))).toBeGreaterThan(0.99);
    controller.abort();
    await loop;
    const callsAtStop = calls;
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toBe(callsAtStop);
    expect(detector.stats.fits).toBeGreaterThanOrEqual(1);
    detector.dispose();
  });

  it('keeps the previous model when a refit fails', async () => {
    const { logger, lines } = capturingLogger();
    const detector = await AutoencoderDetector.create({ logger, config: { epochs: 3 } });
    await detector.fit(normalRows(200, 60));
    const before = detector.scoreBatch(exfiltrationRows(2));
    const controller = new AbortController();
    const loop = scheduleRefit(detector, () => [[1, 2]], 10, controller.signal, { logger });
    while (!lines.some((l) => l.msg === 'Autoencoder refit failed; keeping the previous model'))
      await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await loop;
    expect(detector.scoreBatch(exfiltrationRows(2))).toEqual(before);
    detector.dispose();
  });
});

describe('autoencoderFindings', () => {
  it('turns high-scoring windows into anomaly findings with observed-vs-typical evidence', async () => {
    const detector = await AutoencoderDetector.create({
      logger: pino({ level: 'silent' }),
      config: { epochs: 15 },
    });
    try {
      expect(
        autoencoderFindings(detector, [{ entity: 'x', row: normalRows(1)[0]!, endMs: 1, firstMs: 0 }], 0.99),
      ).toEqual([]);
      await detector.fit(normalRows(600, 80));
      const exfil = exfiltrationRows(1, 81)[0]!;
      const batch = [
        {
          entity: 'spiffe://cluster.local/ns/shop/sa/normal',
          row: normalRows(1, 82)[0]!,
          endMs: 20_000,
          firstMs: 10_000,
        },
        { entity: 'spiffe://cluster.local/ns/shop/sa/thief', row: exfil, endMs: 20_000, firstMs: 12_345 },
        { entity: 'bad', row: [1, 2], endMs: 20_000, firstMs: 10_000 },
      ];
      const findings = autoencoderFindings(detector, batch, 0.99);
      expect(findings).toHaveLength(1);
      const f = findings[0]!;
      expect(f).toMatchObject({
        detector: 'autoencoder',
        kind: 'anomaly',
        entity: 'spiffe://cluster.local/ns/shop/sa/thief',
        timeMs: 20_000,
        firstEventMs: 12_345,
      });
      expect(f.score).toBeGreaterThan(0.99);
      const top = (
        f.evidence.top_features as Array<{ feature: string; observed: number; typical: number }>
      )[0]!;
      const j = FEATURE_NAMES.indexOf(top.feature as (typeof FEATURE_NAMES)[number]);
      // Evidence rounds to 4 significant digits.
      expect(Math.abs(top.observed - exfil[j]!)).toBeLessThanOrEqual(Math.abs(exfil[j]!) * 1e-3);
      expect(top.observed).not.toBeCloseTo(top.typical, 0);
      expect(f.evidence.summary).toMatch(/^window unlike the training baseline, driven by /);
    } finally {
      detector.dispose();
    }
  });
});
