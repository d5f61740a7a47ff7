import { describe, expect, it } from 'vitest';
import { FlatlineDetector, defaultFlatlineConfig } from '../../../../models/statistical/flatline/index.js';

const SCALE = { surprise_floor: 2, surprise_ceiling: 6 };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('FlatlineDetector', () => {
  it('reports a continuous series stuck at one value within a few repeats, once per run', () => {
    const r = lcg(1);
    const d = new FlatlineDetector(defaultFlatlineConfig, SCALE, 0.5);
    for (let i = 0; i < 1000; i++) expect(d.update(100 + r())).toBe(0);
    const run = Array.from({ length: 50 }, () => d.update(100.25));
    expect(run[0]).toBe(0); // the first sample of the value is no repeat yet
    const first = run.findIndex((s) => s >= 0.5);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(3);
    expect(run.slice(first + 1).every((s) => s === 0)).toBe(true);
    expect(d.runLength).toBe(49);
  });

  it('needs a long run on a series of small counts, which repeats values all the time', () => {
    const r = lcg(2);
    const d = new FlatlineDetector(defaultFlatlineConfig, SCALE, 0.5);
    let ordinaryMax = 0;
    for (let i = 0; i < 2000; i++) ordinaryMax = Math.max(ordinaryMax, d.update(Math.floor(r() * 3)));
    expect(ordinaryMax).toBeLessThan(0.5);
    const run = Array.from({ length: 40 }, () => d.update(1));
    const first = run.findIndex((s) => s >= 0.5);
    expect(first).toBeGreaterThan(5);
  });

  it('scores again after the value moves and sticks anew; nothing when disabled or not finite', () => {
    const r = lcg(3);
    const d = new FlatlineDetector(defaultFlatlineConfig, SCALE, 0.5);
    for (let i = 0; i < 500; i++) d.update(r());
    const stuck = (v: number): number => Math.max(...Array.from({ length: 10 }, () => d.update(v)));
    expect(stuck(7)).toBeGreaterThanOrEqual(0.5);
    expect(stuck(8)).toBeGreaterThanOrEqual(0.5);
    expect(d.update(NaN)).toBe(0);
    const off = new FlatlineDetector({ ...defaultFlatlineConfig, enabled: false }, SCALE, 0.5);
    expect([1, 1, 1, 1, 1].map((v) => off.update(v))).toEqual([0, 0, 0, 0, 0]);
  });

  it('alarms on the first rest at a value, not on later rests there no longer than a reported one', () => {
    const r = lcg(4);
    const d = new FlatlineDetector(defaultFlatlineConfig, SCALE, 0.5);
    const rest = (): number => Math.max(...Array.from({ length: 4 }, () => d.update(0)));
    for (let i = 0; i < 1000; i++) d.update(10 + r());
    expect(rest()).toBeGreaterThanOrEqual(0.5);
    for (let i = 0; i < 1000; i++) d.update(10 + r());
    expect(rest()).toBeLessThan(0.5);
    const forgetful = new FlatlineDetector({ ...defaultFlatlineConfig, run_memory: 0 }, SCALE, 0.5);
    const restOf = (): number => Math.max(...Array.from({ length: 4 }, () => forgetful.update(0)));
    for (let i = 0; i < 1000; i++) forgetful.update(10 + r());
    expect(restOf()).toBeGreaterThanOrEqual(0.5);
    for (let i = 0; i < 1000; i++) forgetful.update(10 + r());
    expect(restOf()).toBeGreaterThanOrEqual(0.5);
  });

  it('reads a constant rate derived from a counter as one run despite floating-point noise', () => {
    const r = lcg(5);
    const d = new FlatlineDetector(defaultFlatlineConfig, SCALE, 0.5);
    for (let i = 0; i < 1000; i++) d.update(1e5 * (1 + r()));
    let total = 123456789.123;
    let previous = total;
    const rates = new Set<number>();
    const scores: number[] = [];
    for (let i = 0; i < 200; i++) {
      total += 1234567.891 * 30;
      const rate = (total - previous) / 30; // 1234567.891 give or take the last bits
      rates.add(rate);
      scores.push(d.update(rate));
      previous = total;
    }
    expect(rates.size).toBeGreaterThan(1);
    expect(scores.filter((s) => s >= 0.5)).toHaveLength(1);
    expect(d.runLength).toBe(199);
  });
});
