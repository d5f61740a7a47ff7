import { describe, expect, it } from 'vitest';
import {
  RelativeEntropyDetector,
  chiSquareQuantile,
  defaultRelativeEntropyConfig as defaults,
} from '../../../../models/statistical/relative-entropy/index.js';
const defaultRelativeEntropyConfig = { ...defaults, enabled: true };
import { calibrated, clean, noise } from './binned-helpers.js';

function scores(values: readonly number[]): number[] {
  const d = new RelativeEntropyDetector(defaultRelativeEntropyConfig);
  return calibrated(values, (v) => d.update(v));
}

const max = (a: readonly number[]): number => a.reduce((m, x) => Math.max(m, x), 0);

describe('chiSquareQuantile', () => {
  it('is close to the tabulated chi-square quantiles', () => {
    expect(chiSquareQuantile(9, 2.326)).toBeCloseTo(21.666, 0); // 99%, 9 dof
    expect(chiSquareQuantile(11, 1.645)).toBeCloseTo(19.675, 0); // 95%, 11 dof
  });
});

describe('RelativeEntropyDetector', () => {
  it('is quiet on a clean series once it has learned it', () => {
    expect(max(scores(clean(1, 4000)).slice(600))).toBeLessThan(0.5);
  });

  it('detects a planted level shift within a window, and learns the new level as a regime', () => {
    const shifted = clean(2, 5000);
    for (let i = 2500; i < shifted.length; i++) shifted[i]! += 30;
    const s = scores(shifted);
    const W = defaultRelativeEntropyConfig.window;
    const first = s.findIndex((x, i) => i >= 2500 && x >= 0.5);
    expect(first).toBeGreaterThanOrEqual(2500);
    expect(first).toBeLessThan(2500 + W);
    expect(max(s.slice(4200))).toBeLessThan(0.5);
  });

  it('detects a burst of spikes (a changed distribution) that no single value makes obvious', () => {
    const values = clean(3, 4000);
    const r = noise(9);
    for (let i = 2500; i < 2560; i++) values[i] = 100 + 30 * r(); // spread tripled for an hour
    expect(max(scores(values).slice(2500, 2560))).toBeGreaterThanOrEqual(0.5);
  });

  it('keeps several regimes of a series that alternates between two levels', () => {
    const d = new RelativeEntropyDetector(defaultRelativeEntropyConfig);
    const r = noise(4);
    for (let i = 0; i < 8000; i++) d.update((Math.floor(i / 500) % 2 ? 200 : 100) + 10 * r());
    expect(d.regimes).toBeGreaterThanOrEqual(2);
  });

  it('returns NaN before it has an ordinary regime, and nothing when disabled', () => {
    const d = new RelativeEntropyDetector(defaultRelativeEntropyConfig);
    for (let i = 0; i < 100; i++) expect(d.update(i % 7)).toBeNaN();
    const off = new RelativeEntropyDetector({ ...defaultRelativeEntropyConfig, enabled: false });
    expect(off.update(1)).toBeNaN();
  });
});
