import { describe, expect, it } from 'vitest';
import {
  AnomalyLikelihood,
  defaultLikelihoodConfig,
  normalUpperTail,
  validateLikelihoodConfig,
} from '../../../../models/statistical/likelihood/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('normalUpperTail', () => {
  it('matches the standard normal tail, far into it', () => {
    expect(normalUpperTail(0)).toBeCloseTo(0.5, 6);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(-3)).toBeCloseTo(0.998650102, 6);
    // Relative accuracy where 1 − Φ(z) would round to 0.
    expect(normalUpperTail(8) / 6.22096057e-16).toBeCloseTo(1, 5);
    expect(normalUpperTail(10) / 7.61985302e-24).toBeCloseTo(1, 5);
  });
});

describe('AnomalyLikelihood', () => {
  const cfg = { ...defaultLikelihoodConfig, enabled: true };

  function warmed(seed: number): { l: AnomalyLikelihood; r: () => number } {
    const l = new AnomalyLikelihood(cfg);
    const r = noise(seed);
    for (let i = 0; i < 1000; i++) l.update(0.5 + r()); // ordinary surprise: 0.5 to 1.5
    return { l, r };
  }

  it('reports 0 until it has min_history averages', () => {
    const l = new AnomalyLikelihood(cfg);
    for (let i = 0; i < cfg.min_history; i++) expect(l.update(i === 50 ? 50 : 1).score).toBe(0);
  });

  it('flags a sustained moderate rise that no single sample shows, but not one odd sample', () => {
    const lone = warmed(1);
    const single = lone.l.update(4); // one sample 4 where 0.5..1.5 is ordinary
    expect(single.score).toBe(0);

    const sustained = warmed(1);
    let last = 0;
    for (let i = 0; i < cfg.short_window; i++) last = sustained.l.update(2.5 + sustained.r() * 0.2).score;
    expect(last).toBe(1);
  });

  it('treats non-finite input as no surprise instead of poisoning its sums', () => {
    const { l, r } = warmed(2);
    for (let i = 0; i < 20; i++) expect(l.update(i % 2 ? NaN : 0.5 + r()).score).toBe(0);
    expect(Number.isFinite(l.update(1).average)).toBe(true);
  });

  it('rejects settings that cannot work, naming the keys', () => {
    expect(validateLikelihoodConfig(cfg)).toEqual([]);
    expect(validateLikelihoodConfig({ ...cfg, surprise_ceiling: 1, surprise_floor: 3 })[0]).toMatch(
      /surprise_ceiling/,
    );
    expect(validateLikelihoodConfig({ ...cfg, min_history: 5000 })[0]).toMatch(/min_history/);
  });

  it('is off in the stack by default and, when on, reports as the stack part "likelihood"', () => {
    const r = noise(3);
    const values = Array.from({ length: 1500 }, () => 50 + 5 * (r() - 0.5));
    // A variance increase: every sample a little wider than usual, none extreme.
    for (let i = 1200; i < 1500; i++) values[i] = 50 + 12 * (r() - 0.5);
    const run = (d: SeriesDetector): number =>
      Math.max(...values.map((v, i) => d.update(i * 300_000, v).parts.likelihood));
    expect(run(new SeriesDetector())).toBe(0);
    expect(run(new SeriesDetector(seriesStackConfig({ likelihood: { enabled: true } })))).toBeGreaterThan(0);
  });
});
