import { describe, expect, it } from 'vitest';
import {
  RealFft,
  SpectralResidual,
  defaultSpectralConfig,
  validateSpectralConfig,
} from '../../../../models/statistical/spectral/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { noise } from './binned-helpers.js';

const on = { ...defaultSpectralConfig, enabled: true, stride: 1 };

/** A cycle of 64 samples around 50 with near-normal noise (standard deviation about 1.2). */
function cycle(seed: number, length: number): number[] {
  const r = noise(seed);
  return Array.from(
    { length },
    (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 64) + 2 * (r() + r() + r() + r()),
  );
}

/** Raw scores of the detector over `values` (NaN where no transform ran). */
function raws(values: readonly number[], cfg = on): number[] {
  const d = new SpectralResidual(cfg);
  return values.map((v) => d.update(v));
}

const finiteMax = (a: readonly number[]): number =>
  a.reduce((m, x) => (Number.isNaN(x) ? m : Math.max(m, x)), 0);

describe('RealFft', () => {
  it('matches a direct DFT and inverts back to the signal', () => {
    const r = noise(3);
    for (const n of [4, 8, 64, 256]) {
      const fft = new RealFft(n);
      const x = Float64Array.from({ length: n }, () => r());
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      fft.forward(x, re, im);
      for (let k = 0; k <= n / 2; k++) {
        let a = 0;
        let b = 0;
        for (let t = 0; t < n; t++) {
          a += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
          b -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
        }
        expect(re[k]).toBeCloseTo(a, 10);
        expect(im[k]).toBeCloseTo(b, 10);
      }
      const back = new Float64Array(n);
      fft.inverse(re, im, back);
      for (let t = 0; t < n; t++) expect(back[t]).toBeCloseTo(x[t]!, 12);
    }
  });

  it('refuses a length that is not a power of two', () => {
    expect(() => new RealFft(48)).toThrow(RangeError);
    expect(() => new RealFft(2)).toThrow(RangeError);
  });
});

describe('SpectralResidual', () => {
  it('scores nothing until its window is full, then every sample at stride 1', () => {
    const r = raws(cycle(1, 100));
    const observed = on.window - on.extend;
    expect(r.slice(0, observed - 1).every(Number.isNaN)).toBe(true);
    expect(r.slice(observed - 1).some(Number.isNaN)).toBe(false);
  });

  it('makes a lone spike salient on its own sample while the cycle it rides on stays flat', () => {
    const values = cycle(2, 600);
    const at = 401;
    values[at]! += 12;
    const r = raws(values);
    const ordinary = finiteMax(r.slice(0, at));
    expect(r[at]!).toBeGreaterThan(8);
    expect(r[at]!).toBeGreaterThan(1.5 * ordinary);
  });

  it('with a stride, transforms one sample in `stride` and scores the samples since the last one', () => {
    const values = cycle(2, 600);
    const at = 401;
    values[at]! += 12;
    const cfg = { ...on, stride: 4 };
    const r = raws(values, cfg);
    expect(r.filter((x) => !Number.isNaN(x)).length).toBe(Math.floor(600 / 4) - 14);
    // Sample 403 (the 404th) is the next transformed one: the spike, two samples back, is its score.
    expect(Number.isNaN(r[at]!)).toBe(true);
    expect(Number.isNaN(r[402]!)).toBe(true);
    expect(r[403]!).toBeGreaterThan(6);
    expect(r[403]!).toBeGreaterThan(1.5 * finiteMax(r.slice(0, at)));
  });

  it('tells a spike up from a drop', () => {
    for (const [jump, falling] of [
      [-15, true],
      [15, false],
    ] as const) {
      const values = cycle(4, 300);
      values[250]! += jump;
      const d = new SpectralResidual(on);
      values.slice(0, 251).forEach((v) => d.update(v));
      expect(d.falling).toBe(falling);
    }
  });

  it('stays silent when off (the default) and on a constant series', () => {
    const off = new SpectralResidual(defaultSpectralConfig);
    expect(defaultSpectralConfig.enabled).toBe(false);
    expect(
      cycle(5, 200)
        .map((v) => off.update(v))
        .every(Number.isNaN),
    ).toBe(true);
    const flat = raws(Array.from({ length: 200 }, () => 7));
    expect(finiteMax(flat)).toBe(0);
  });

  it('validates the window, the averaging width and the scored span', () => {
    expect(validateSpectralConfig(defaultSpectralConfig)).toEqual([]);
    expect(validateSpectralConfig({ ...defaultSpectralConfig, window: 48 })).toHaveLength(1);
    expect(validateSpectralConfig({ ...defaultSpectralConfig, average_bins: 4 })).toHaveLength(1);
    expect(validateSpectralConfig({ ...defaultSpectralConfig, window: 16, score_window: 12 })).toHaveLength(
      1,
    );
  });
});

describe('spectral part in the series stack', () => {
  const values = cycle(6, 1500);
  // A spike of 20 (z about 3: the baseline does not model a cycle of 64 samples, its scale is wide).
  const at = 1201;
  values[at]! += 20;
  const times = values.map((_, i) => 1_700_000_000_000 + i * 60_000);
  const run = (spectral: Record<string, unknown>): number[] => {
    const d = new SeriesDetector(seriesStackConfig({ spectral }));
    return values.map((v, i) => d.update(times[i]!, v).parts.spectral);
  };

  it('is calibrated into a part score past its warm-up when on, and is 0 when off (the default)', () => {
    const part = run({ enabled: true, departure_z: 0 });
    expect(part.slice(0, defaultSpectralConfig.warmup).every((s) => s === 0)).toBe(true);
    // One transform in 4 samples: the spike is scored on the next one (sample 1203).
    expect(part[at + 2]!).toBeGreaterThan(0.5);
    expect(run({}).every((s) => s === 0)).toBe(true);
  });

  it('leaves a lone departure to the spike part (one departure, one judgement)', () => {
    const part = run({ enabled: true });
    expect(part[at + 2]!).toBe(0);
    expect(Math.max(...part.slice(at, at + 8))).toBe(0);
  });
});
