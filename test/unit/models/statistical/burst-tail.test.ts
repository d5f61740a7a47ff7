import { describe, expect, it } from 'vitest';
import type { Calibrated } from '../../../../models/statistical/calibration/tail-calibrator.js';
import { BurstTail } from '../../../../models/statistical/spike/index.js';
import { noise, stackAlarms } from './binned-helpers.js';

const SCALE = { surprise_floor: 2, surprise_ceiling: 6 };
const alarming: Calibrated = { tail: 1e-7, surprise: 7, score: 1 };

/** Feeds `size` for one sample then ordinary samples (closing the excursion), `gap` samples apart. */
function excursions(t: BurstTail, sizes: number[], gap: number): number {
  let n = 0;
  for (const size of sizes) {
    t.judge(alarming, size, ++n);
    for (let i = 1; i < gap; i++) t.judge(alarming, 0, ++n);
  }
  return n;
}

describe('BurstTail', () => {
  it('changes nothing before min_peaks excursions, nor below its threshold, nor when off', () => {
    const t = new BurstTail(6, 2, SCALE);
    excursions(t, [10], 300);
    expect(t.judge(alarming, 10, 400)).toEqual(alarming); // one excursion seen
    const off = new BurstTail(0, 2, SCALE);
    excursions(off, [10, 10, 10], 300);
    expect(off.judge(alarming, 10, 1000)).toEqual(alarming);
  });

  it('judges a burst the size of past ones by their rate, and one far larger in kind as rare', () => {
    const t = new BurstTail(6, 2, SCALE);
    const n = excursions(t, [9, 11, 10, 12], 250); // 4 excursions in 1000 samples, mean excess 4.5
    const again = t.judge(alarming, 12, n + 1);
    expect(again.surprise).toBeCloseTo(-Math.log10(4 / (n + 1)) + (6 / 4.5) * Math.LOG10E, 6);
    expect(again.score).toBeLessThan(0.5);
    // Four times the largest burst: the exponential tail extrapolates to far beyond the ceiling.
    expect(t.judge(alarming, 50, n + 2).score).toBe(1);
  });

  it('counts an excursion once, at its peak, when it ends (the current one is not yet in the record)', () => {
    const t = new BurstTail(6, 1, SCALE);
    t.judge(alarming, 8, 1);
    // Second sample of the same excursion: no completed excursion yet, so no bound.
    expect(t.judge(alarming, 20, 2)).toEqual(alarming);
    t.judge(alarming, 0, 3); // ends: one excursion of peak 20
    expect(t.judge(alarming, 20, 4).score).toBeLessThan(1);
  });
});

describe('series stack: burst tail', () => {
  /** Near-normal noise with a burst every 250 samples, each a little larger than the last, then a spike. */
  function recordBursts(seed: number): { times: number[]; values: number[] } {
    const r = noise(seed);
    const values: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      let v = 100 + 5 * (r() + r() + r() + r());
      if (i >= 300 && i % 250 === 0) v += 20 + (i / 250) * 1.2 + 10 * r();
      if (i === 4900) v += 150;
      values.push(v);
      times.push(i * 60_000);
    }
    return { times, values };
  }

  it('stops alarming on bursts of a size the series keeps making, and still alarms on a spike far larger', () => {
    for (const seed of [1, 2, 3]) {
      const s = recordBursts(seed);
      const on = stackAlarms(s);
      const off = stackAlarms(s, { spike: { burst_tail_threshold: 0 } });
      expect(on.length).toBeLessThan(off.length - 2);
      expect(on.some(([i]) => i === 4900)).toBe(true);
    }
  });
});
