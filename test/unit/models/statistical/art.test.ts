import { describe, expect, it } from 'vitest';
import {
  ArtDetector,
  defaultArtConfig,
  validateArtConfig,
} from '../../../../models/statistical/art/index.js';
import { calibrated, clean, noise } from './binned-helpers.js';

const cfg = { ...defaultArtConfig, enabled: true };

/** Calibrated scores, 0 before the detector's warm-up (as the stack reports them). */
function scores(values: readonly number[], c = cfg): number[] {
  const d = new ArtDetector(c);
  return calibrated(values, (v) => d.update(v)).map((s, i) => (i + 1 >= c.warmup ? s : 0));
}

const max = (a: readonly number[]): number => a.reduce((m, x) => Math.max(m, x), 0);

/** A daily cycle of 288 samples (five-minute scrapes) around 1000, with noise. */
function diurnal(seed: number, length: number): number[] {
  const r = noise(seed);
  return Array.from(
    { length },
    (_, i) => 1000 + 400 * Math.sin((2 * Math.PI * i) / 288) + 20 * (r() + r() + r() + r()),
  );
}

describe('ArtDetector', () => {
  it('is quiet on a clean diurnal series once it has learned it', () => {
    expect(max(scores(diurnal(1, 288 * 14)))).toBeLessThan(0.5);
  });

  it('is quiet on clean noise', () => {
    expect(max(scores(clean(5, 4000)))).toBeLessThan(0.5);
  });

  it('detects a planted level shift at once, then learns the new level', () => {
    const values = diurnal(2, 288 * 14);
    const at = 288 * 8;
    for (let i = at; i < values.length; i++) values[i]! += 500;
    const s = scores(values);
    const first = s.findIndex((x, i) => i >= at && x >= 0.5);
    expect(first).toBeGreaterThanOrEqual(at);
    expect(first).toBeLessThan(at + cfg.dims);
    expect(max(s.slice(0, at))).toBeLessThan(0.5);
    expect(max(s.slice(at + 288 * 3))).toBeLessThan(0.5);
  });

  it('detects a single spike', () => {
    const values = diurnal(3, 288 * 10);
    const at = 288 * 6 + 100;
    values[at]! += 600;
    const s = scores(values);
    expect(max(s.slice(at, at + cfg.dims))).toBeGreaterThanOrEqual(0.5);
    expect(max(s.slice(0, at))).toBeLessThan(0.5);
  });

  it('lowers its vigilance during warm-up when the categories overflow, never below the floor', () => {
    const d = new ArtDetector({ ...cfg, categories: 4 });
    const r = noise(7);
    for (let i = 0; i < cfg.warmup; i++) d.update(100 * r());
    expect(d.vigilance).toBeLessThan(cfg.vigilance);
    expect(d.vigilance).toBeGreaterThanOrEqual(cfg.min_vigilance - 1e-12);
    expect(d.categories).toBeLessThanOrEqual(4);
  });

  it('returns NaN until a full window has founded a category, and nothing when disabled', () => {
    const d = new ArtDetector(cfg);
    for (let i = 0; i < cfg.dims * cfg.stride; i++) expect(d.update(i)).toBeNaN();
    expect(d.categories).toBe(1);
    expect(d.update(1)).not.toBeNaN();
    expect(new ArtDetector({ ...cfg, enabled: false }).update(1)).toBeNaN();
  });

  it('rejects a floor above the starting vigilance', () => {
    expect(validateArtConfig({ ...cfg, min_vigilance: 0.95 })).toHaveLength(1);
    expect(validateArtConfig(cfg)).toEqual([]);
  });
});
