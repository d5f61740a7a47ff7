import { describe, expect, it } from 'vitest';
import { defaultCalibrationConfig } from '../../../../models/statistical/calibration/index.js';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { PhaseScale, defaultVarianceConfig } from '../../../../models/statistical/variance/index.js';
import { noise } from './binned-helpers.js';

const DAY = 288; // 5-minute samples
const AT = DAY * 8 + 100; // a jittery stretch at 08:20 on day 9
const LENGTH = 96;

/**
 * A daily cycle whose hours 2 to 4 are always six times noisier (a nightly batch), then the quiet hours
 * of day 9 turn four times noisier for eight hours.
 */
function nightlyNoise(seed: number): { times: number[]; values: number[] } {
  const r = noise(seed);
  const values: number[] = [];
  const times: number[] = [];
  for (let i = 0; i < DAY * 10; i++) {
    const hour = (i % DAY) / 12;
    const sd = i >= AT && i < AT + LENGTH ? 4 : hour >= 2 && hour < 4 ? 6 : 1;
    values.push(100 + 20 * Math.sin((2 * Math.PI * i) / DAY) + sd * 3 * (r() + r() + r() + r()));
    times.push(i * 300_000);
  }
  return { times, values };
}

describe('PhaseScale', () => {
  it('reads every hour against its own spread: the noisy hours are ordinary, quiet hours turned jittery are not', () => {
    const s = nightlyNoise(1);
    const p = new PhaseScale(defaultVarianceConfig, defaultCalibrationConfig);
    let jittery = 0;
    let noisyHours = 0;
    s.values.forEach((v, i) => {
      const raw = p.update(s.times[i]!, v - 100 - 20 * Math.sin((2 * Math.PI * i) / DAY));
      if (i >= AT && i < AT + LENGTH) jittery = Math.max(jittery, raw);
      else if (i > DAY * 3 && (i % DAY) / 12 >= 2.5 && (i % DAY) / 12 < 4)
        noisyHours = Math.max(noisyHours, raw);
    });
    expect(noisyHours).toBeLessThan(1.6);
    expect(jittery).toBeGreaterThan(2.5);
  });

  it('is NaN until the phase has learned, and off with 0 bins', () => {
    const p = new PhaseScale(defaultVarianceConfig, defaultCalibrationConfig);
    expect(p.update(0, 1)).toBeNaN();
    const off = new PhaseScale({ ...defaultVarianceConfig, phase_bins: 0 }, defaultCalibrationConfig);
    for (let i = 0; i < 100; i++) expect(off.update(i * 300_000, i % 3)).toBeNaN();
  });
});

describe('series stack: phase scale', () => {
  it("lets the variance part see jitter at quiet hours that the noisy hours' global scale hides", () => {
    const found: number[] = [];
    const without: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const s = nightlyNoise(seed);
      for (const [bins, out] of [
        [24, found],
        [0, without],
      ] as const) {
        const d = new SeriesDetector(seriesStackConfig({ variance: { phase_bins: bins } }));
        let top = 0;
        s.values.forEach((v, i) => {
          const part = d.update(s.times[i]!, v).parts.variance;
          if (i >= AT && i < AT + LENGTH) top = Math.max(top, part);
        });
        out.push(top);
      }
    }
    expect(found.filter((x) => x >= 0.5).length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...without)).toBeLessThan(0.3);
  });
});
