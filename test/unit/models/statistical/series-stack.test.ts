import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { SeasonalBaseline, defaultSeasonalConfig } from '../../../../models/statistical/seasonal/index.js';
import { loadFixtures } from './nab.js';

const STEP = 300_000;
const T0 = Date.UTC(2024, 0, 1);

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function scoreAll(values: number[], times?: number[]): number[] {
  const d = new SeriesDetector();
  return values.map((v, i) => d.update(times?.[i] ?? T0 + i * STEP, v).score);
}

describe('SeriesDetector', () => {
  it('reports one detection per change and stays quiet for the refractory period after it', () => {
    const rand = noise(7);
    const values = Array.from({ length: 700 }, () => 100 + 10 * rand());
    for (let i = 500; i < 506; i++) values[i] = 400; // one outage-sized burst, six samples long
    const scores = scoreAll(values);
    expect(scores.slice(0, 500).filter((s) => s >= 0.5)).toEqual([]);
    expect(scores.slice(500, 506).filter((s) => s >= 0.5)).toHaveLength(1);
    // The burst's end (a drop back to normal) is the same change: nothing more until 150 samples pass.
    expect(scores.slice(501, 650).filter((s) => s > 0)).toEqual([]);
    // Without the refractory period the same burst alarms on most of its samples.
    const d = new SeriesDetector(seriesStackConfig({ refractory_samples: 0 }));
    const unsuppressed = values.map((v, i) => d.update(T0 + i * STEP, v).score);
    expect(unsuppressed.slice(500, 506).filter((s) => s >= 0.5).length).toBeGreaterThan(1);
  });

  it('follows a change that grows when refractory_margin allows it', () => {
    const rand = noise(8);
    const values = Array.from({ length: 700 }, () => 100 + 10 * rand());
    values[500] = 108; // a moderate excursion (noise is ±5)...
    values[520] = 5000; // ...and, inside the refractory period, a far larger one
    const strict = scoreAll(values);
    expect(strict[500]).toBeGreaterThanOrEqual(0.5);
    expect(strict[500]).toBeLessThan(1);
    expect(strict[520]).toBe(0);
    const d = new SeriesDetector(seriesStackConfig({ refractory_margin: 0 }));
    const following = values.map((v, i) => d.update(T0 + i * STEP, v).score);
    expect(following[520]).toBe(1);
  });

  it('has no look-ahead: the score of row i is the same whether or not later rows exist', () => {
    const fx = loadFixtures().find((f) => f.name === 'cpu_daily_spikes.csv')!;
    const full = scoreAll(fx.values, fx.times);
    for (const cut of [100, 1000, 1817, 3000]) {
      expect(scoreAll(fx.values.slice(0, cut), fx.times.slice(0, cut))).toEqual(full.slice(0, cut));
    }
  });

  it('has no look-ahead on arbitrary series (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (values, k) => {
          const cut = k % values.length;
          const full = scoreAll(values);
          const prefix = scoreAll(values.slice(0, cut));
          expect(prefix).toEqual(full.slice(0, cut));
          for (const s of full) expect(s >= 0 && s <= 1).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('scores 0 during warm-up, stays near 0 on noise, and rises sharply on a spike', () => {
    const r = noise(1);
    const values = Array.from({ length: 1500 }, () => 50 + 5 * r());
    values[1200] = 90;
    const scores = scoreAll(values);
    expect(scores.slice(0, 60).every((s) => s === 0)).toBe(true);
    const before = scores.slice(100, 1200);
    expect(before.filter((s) => s >= 0.5).length).toBe(0);
    expect(before.filter((s) => s > 0).length / before.length).toBeLessThan(0.1);
    expect(scores[1200]).toBeGreaterThanOrEqual(0.9);
  });

  it('reports a level shift, then adapts to the new level instead of alarming on', () => {
    const r = noise(2);
    const values = Array.from({ length: 2000 }, (_, i) => (i < 1000 ? 100 : 160) + 8 * r());
    const d = new SeriesDetector();
    const out = values.map((v, i) => d.update(T0 + i * STEP, v));
    const firstAlarm = out.findIndex((o, i) => i >= 1000 && o.score >= 0.5);
    expect(firstAlarm).toBeGreaterThanOrEqual(1000);
    expect(firstAlarm).toBeLessThan(1005);
    expect(out.slice(1000, 1010).some((o) => o.levelShift)).toBe(true);
    // Within 30 samples the new level is normal again.
    expect(out.slice(1030).filter((o) => o.score >= 0.5).length).toBe(0);
    expect(out[1999]!.expected).toBeGreaterThan(150);
  });

  it('notices a drop in a series whose benign spikes all go up', () => {
    const r = noise(3);
    const values = Array.from({ length: 1500 }, (_, i) => 20 + 3 * r() + (i % 37 === 0 ? 12 : 0));
    for (let i = 1300; i < 1312; i++) values[i] = 9;
    const scores = scoreAll(values);
    expect(Math.max(...scores.slice(1300, 1312))).toBeGreaterThanOrEqual(0.5);
  });

  it('reports a series frozen at an ordinary value (a stuck exporter) once, within a few samples', () => {
    const r = noise(5);
    const values = Array.from({ length: 1500 }, () => 50 + 5 * r());
    for (let i = 1200; i < 1300; i++) values[i] = 50.3; // frozen at an ordinary value
    const d = new SeriesDetector();
    const scored = values.map((v, i) => d.update(T0 + i * STEP, v));
    // A continuous series never repeats a value exactly: a run of two or three repeats is news.
    const first = scored.findIndex((s, i) => i >= 1200 && s.score >= 0.5);
    expect(first).toBeGreaterThan(1200);
    expect(first).toBeLessThan(1205);
    expect(scored[first]!.detector).toBe('flatline');
    expect(scored.slice(first + 1, 1300).filter((s) => s.parts.flatline > 0)).toEqual([]);
  });

  it('without the flatline part, scores a frozen series above anything its ordinary noise scored', () => {
    const r = noise(5);
    const values = Array.from({ length: 1500 }, () => 50 + 5 * r());
    for (let i = 1200; i < 1300; i++) values[i] = 50.3;
    const d = new SeriesDetector(seriesStackConfig({ flatline: { enabled: false } }));
    const scored = values.map((v, i) => d.update(T0 + i * STEP, v));
    const ordinary = Math.max(...scored.slice(100, 1200).map((s) => s.score));
    const flat = scored.slice(1200, 1300).reduce((a, b) => (b.score > a.score ? b : a));
    // No single sample is odd; only the quietness of the steps is (variance), and the window's histogram
    // collapsing into one bin (relative entropy, which scores it higher once its window is mostly flat).
    expect(['variance', 'relative_entropy']).toContain(flat.detector);
    // Variance alone is a weak score here; it is reported once relative entropy (the other family)
    // agrees, within 15 samples.
    expect(scored.slice(1200, 1215).some((s) => s.detector === 'variance' && s.score >= 0.5)).toBe(true);
    expect(flat.score).toBeGreaterThan(ordinary + 0.2);
  });

  it('scores out-of-order and non-finite samples 0 without learning from them', () => {
    const d = new SeriesDetector();
    for (let i = 0; i < 200; i++) d.update(T0 + i * STEP, 10 + (i % 3));
    const n = d.count;
    expect(d.update(T0, 1e9).score).toBe(0);
    expect(d.update(T0 + 500 * STEP, NaN).score).toBe(0);
    expect(d.count).toBe(n);
  });

  it('merges partial config over the defaults', () => {
    const c = seriesStackConfig({ warmup_samples: 5, calibration: { history_size: 64 } });
    expect(c.warmup_samples).toBe(5);
    expect(c.calibration.history_size).toBe(64);
    expect(c.calibration.min_history).toBe(48);
  });
});

describe('SeasonalBaseline', () => {
  it('infers a daily cycle from 5-minute timestamps and learns its shape', () => {
    const b = new SeasonalBaseline(defaultSeasonalConfig);
    const r = noise(5);
    let lastErr = 0;
    for (let i = 0; i < 288 * 6; i++) {
      const v = 100 + 50 * Math.sin((2 * Math.PI * i) / 288) + 2 * r();
      const o = b.observe(T0 + i * STEP, v);
      lastErr = Math.abs(o.expected - v);
    }
    expect(b.samplesPerDay).toBe(288);
    expect(b.activeModel).toBe(1);
    expect(lastErr).toBeLessThan(10);
  });

  it('keeps the level-only model on a series without a cycle', () => {
    const b = new SeasonalBaseline(defaultSeasonalConfig);
    const r = noise(6);
    for (let i = 0; i < 288 * 5; i++) b.observe(T0 + i * STEP, 100 + 10 * r());
    expect(b.activeModel).toBe(0);
  });

  it('does not model a cycle when samples are too sparse for one', () => {
    const b = new SeasonalBaseline(defaultSeasonalConfig);
    for (let i = 0; i < 100; i++) b.observe(T0 + i * 86_400_000, i % 2);
    expect(b.samplesPerDay).toBe(0);
  });
});
