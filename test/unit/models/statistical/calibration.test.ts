import { describe, expect, it } from 'vitest';
import {
  TailCalibrator,
  defaultCalibrationConfig,
  validateCalibrationConfig,
} from '../../../../models/statistical/calibration/index.js';
import { noise } from './binned-helpers.js';
import { normalish } from './nab.js';

describe('TailCalibrator', () => {
  it('reports 0 until it has min_history raw scores', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    for (let i = 0; i < defaultCalibrationConfig.min_history; i++) expect(c.update(1000).score).toBe(0);
    expect(c.update(1e9).score).toBeGreaterThan(0);
  });

  it('keeps ordinary values at 0 and gives far-out values a score near 1', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    const next = normalish(7);
    let nonZero = 0;
    for (let i = 0; i < 3000; i++) if (c.update(Math.abs(next())).score > 0) nonZero++;
    // Surprise floor 2 = 1 in 100: about 1% of ordinary values may show a small score.
    expect(nonZero / 3000).toBeLessThan(0.03);
    expect(c.calibrate(2).score).toBe(0);
    expect(c.calibrate(12).score).toBe(1);
  });

  it('does not call a value rare when its history holds it several times (benign recurring bursts)', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    const next = normalish(11);
    // 1000 ordinary values with a burst of 40 every 100: ten bursts in the history.
    for (let i = 0; i < 1000; i++) c.update(i % 100 === 50 ? 40 : Math.abs(next()));
    const recurring = c.calibrate(40);
    expect(recurring.tail).toBeGreaterThanOrEqual(10 / 1001);
    expect(recurring.score).toBeLessThan(0.01);
    // Beyond everything seen, the exponential tail still extrapolates: rarer than 1 in the history.
    expect(c.calibrate(80).tail).toBeLessThan(1 / 1001);
  });

  it('is monotone: a larger raw score is never less surprising', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    const next = normalish(3);
    for (let i = 0; i < 500; i++) c.update(Math.abs(next()));
    let prev = -1;
    for (let v = 0; v <= 10; v += 0.25) {
      const s = c.calibrate(v).surprise;
      expect(s).toBeGreaterThanOrEqual(prev);
      prev = s;
    }
  });

  it('forgets: once a regime fills its history, it stops being surprising', () => {
    const cfg = { ...defaultCalibrationConfig, history_size: 100, min_history: 20 };
    const c = new TailCalibrator(cfg);
    for (let i = 0; i < 100; i++) c.update(i % 10);
    // Capped: 100 values cannot back more than 10,000x rarer than 1 in 100.
    expect(c.calibrate(50).score).toBeGreaterThan(0.7);
    for (let i = 0; i < 100; i++) c.update(50 + (i % 10));
    expect(c.calibrate(50).score).toBe(0);
    expect(c.size).toBe(100);
    expect(c.quantile(0)).toBe(50);
  });

  it('keeps a young history from calling the edge of ordinary noise rare, but not a long-lived short one', () => {
    const r = noise(5);
    const young = new TailCalibrator(defaultCalibrationConfig);
    for (let i = 0; i < 48; i++) young.update(Math.abs(r()));
    // Just past the largest of 48 values: the fitted tail alone would say about 1 in a million.
    expect(young.calibrate(0.6).score).toBeLessThan(0.5);
    // Far beyond them it is rare all the same.
    expect(young.calibrate(5).score).toBeGreaterThan(0.9);
    // A history of 100 (its size) that has learned 5,000 values over its life is not young.
    const shortConfig = { ...defaultCalibrationConfig, history_size: 100 };
    const short = new TailCalibrator(shortConfig);
    for (let i = 0; i < 5000; i++) short.update(Math.abs(r()));
    const fresh = new TailCalibrator(shortConfig);
    for (let i = 0; i < 100; i++) fresh.update(Math.abs(r()));
    // Well past the largest value (about 0.5): rare to the long-lived history, not yet to the fresh one.
    expect(short.calibrate(0.7).score).toBe(1);
    expect(fresh.calibrate(0.7).score).toBeLessThan(0.5);
    const copy = TailCalibrator.fromJSON(shortConfig, short.toJSON());
    expect(copy.calibrate(0.7)).toEqual(short.calibrate(0.7));
  });

  it('round-trips through JSON', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    for (let i = 0; i < 200; i++) c.update(i % 17);
    const copy = TailCalibrator.fromJSON(defaultCalibrationConfig, c.toJSON());
    expect(copy.calibrate(30)).toEqual(c.calibrate(30));
  });

  it('ignores non-finite raw scores', () => {
    const c = new TailCalibrator(defaultCalibrationConfig);
    expect(c.update(NaN).score).toBe(0);
    expect(c.size).toBe(0);
  });

  it('keeps its sorted copy equal to the last history_size values, sorted, through ties and wraps', () => {
    const cfg = { ...defaultCalibrationConfig, history_size: 64 };
    const c = new TailCalibrator(cfg);
    const r = normalish(5);
    const seen: number[] = [];
    for (let i = 0; i < 1000; i++) {
      // Runs of zeros and repeated values among continuous ones: the cases replacements skip or shorten.
      const v = i % 7 < 3 ? 0 : i % 11 === 0 ? 2 : Math.round(Math.abs(r()) * 4) / 4;
      c.update(v);
      seen.push(v);
      const want = seen.slice(-64).sort((a, b) => a - b);
      const got = want.map((_, k) => c.quantile((k + 0.5) / want.length));
      expect(got).toEqual(want);
    }
  });

  it('gives the same scores and surprises without result objects (updateScore, calibrateScore)', () => {
    const cfg = { ...defaultCalibrationConfig, history_size: 100 };
    const a = new TailCalibrator(cfg);
    const b = new TailCalibrator(cfg);
    const r = normalish(9);
    for (let i = 0; i < 600; i++) {
      const v = i % 5 === 0 ? 0 : i % 97 === 0 ? NaN : Math.abs(r()) * (i % 50 === 0 ? 8 : 1);
      const full = i % 3 === 0 ? a.calibrate(v) : a.update(v);
      const score = i % 3 === 0 ? b.calibrateScore(v) : b.updateScore(v);
      expect(score).toBe(full.score);
      expect(b.lastSurprise).toBe(full.surprise);
    }
  });

  it('rejects a ceiling at or below the floor', () => {
    expect(validateCalibrationConfig({ ...defaultCalibrationConfig, surprise_ceiling: 1 })).toHaveLength(1);
    expect(validateCalibrationConfig(defaultCalibrationConfig)).toEqual([]);
  });
});
