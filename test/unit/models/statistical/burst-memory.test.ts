import { describe, expect, it } from 'vitest';
import { BurstMemory } from '../../../../models/statistical/spike/index.js';
import type { Calibrated } from '../../../../models/statistical/calibration/tail-calibrator.js';

const SCALE = { surprise_floor: 2, surprise_ceiling: 6 };
const alarming: Calibrated = { tail: 1e-7, surprise: 7, score: 1 };
const mild: Calibrated = { tail: 1e-3, surprise: 3, score: 0.25 };

describe('BurstMemory', () => {
  it('keeps the calibrated judgement of a first burst and of a new record', () => {
    const m = new BurstMemory(64, 4, SCALE);
    expect(m.judge(alarming, 10, 1000)).toEqual(alarming);
    expect(m.judge(alarming, 12, 2000)).toEqual(alarming);
  });

  it('judges a burst no larger than a remembered one by how often such bursts came', () => {
    const m = new BurstMemory(64, 4, SCALE);
    m.judge(alarming, 10, 1000);
    m.judge(alarming, 12, 2000);
    const third = m.judge(alarming, 9, 3000); // two bursts at least as large in 3000 samples
    expect(third.surprise).toBeCloseTo(-Math.log10(2 / 3000), 10);
    expect(third.score).toBeCloseTo((third.surprise - 2) / 4, 10);
    expect(third.score).toBeLessThan(0.5);
  });

  it('neither remembers nor changes spikes below the admission surprise; off at capacity 0', () => {
    const m = new BurstMemory(64, 4, SCALE);
    expect(m.judge(mild, 20, 1000)).toEqual(mild);
    expect(m.judge(alarming, 10, 2000)).toEqual(alarming); // the mild spike was not remembered
    const off = new BurstMemory(0, 4, SCALE);
    off.judge(alarming, 10, 1000);
    expect(off.judge(alarming, 5, 2000)).toEqual(alarming);
  });

  it('forgets the oldest burst beyond its capacity', () => {
    const m = new BurstMemory(2, 4, SCALE);
    m.judge(alarming, 50, 1000);
    m.judge(alarming, 1, 2000);
    m.judge(alarming, 1, 3000); // the burst of 50 is forgotten
    expect(m.judge(alarming, 40, 4000)).toEqual(alarming);
  });
});
