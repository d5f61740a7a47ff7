import { describe, expect, it } from 'vitest';
import {
  ChangepointDetector,
  defaultChangepointConfig,
  validateChangepointConfig,
} from '../../../../models/statistical/changepoint/index.js';
import { normalish } from './nab.js';

const ON = { ...defaultChangepointConfig, enabled: true };

/** Recent-regime probability for each sample of `values`, the prior being the first regime's. */
function run(values: number[], cfg = ON): number[] {
  const d = new ChangepointDetector(cfg);
  return values.map((x) => d.update(x, 100, 100));
}

describe('ChangepointDetector (Bayesian online change-point detection)', () => {
  const next = normalish(3);
  const stationary = Array.from({ length: 800 }, () => 100 + 10 * next());

  it('says nothing while every run is still short, then little on stationary noise', () => {
    const p = run(stationary);
    expect(p.slice(0, 2 * ON.recent_max).every(Number.isNaN)).toBe(true);
    const settled = p.slice(100);
    expect(settled.filter((x) => x >= 0.5).length).toBeLessThan(settled.length / 100);
    expect(settled.reduce((a, b) => a + b, 0) / settled.length).toBeLessThan(0.1);
  });

  it('moves the run-length mass to a new regime within a few samples of a level shift', () => {
    const shifted = [...stationary.slice(0, 600), ...stationary.slice(600).map((v) => v + 40)];
    const p = run(shifted);
    expect(Math.max(...p.slice(590, 600))).toBeLessThan(0.5);
    expect(Math.max(...p.slice(600, 610))).toBeGreaterThan(0.9);
  });

  it('does not take one spike, clipped as the stack feeds it, for a new regime', () => {
    const spiky = [...stationary];
    spiky[600] = 130; // a 30-sigma spike after the baseline's 3-scale clip
    const p = run(spiky);
    expect(Math.max(...p.slice(600, 640))).toBeLessThan(0.5);
  });

  it('keeps at most max_hypotheses run lengths, and is off (NaN) when disabled', () => {
    const d = new ChangepointDetector({ ...ON, max_hypotheses: 16 });
    for (const x of stationary) d.update(x, 100, 100);
    expect(d.hypotheses).toBeLessThanOrEqual(16);
    expect(run(stationary.slice(0, 100), defaultChangepointConfig).every(Number.isNaN)).toBe(true);
  });

  it('rejects a recent window that ends before it starts', () => {
    expect(validateChangepointConfig(defaultChangepointConfig)).toEqual([]);
    expect(validateChangepointConfig({ ...ON, recent_min: 20, recent_max: 5 })).toEqual([
      'recent_max must be above recent_min',
    ]);
  });
});
