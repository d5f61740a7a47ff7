import { describe, expect, it } from 'vitest';
import { StepRatio } from '../../../../models/statistical/variance/step-ratio.js';
import { Rng } from '../../../../pipelines/sources/simulator/prng.js';

/** Feeds `n` samples of level + noise·N(0,1) and returns the last ratio. */
function feed(s: StepRatio, r: Rng, n: number, level: number, noise: number): number {
  let last = NaN;
  for (let i = 0; i < n; i++) last = s.update(level + noise * r.normal());
  return last;
}

describe('StepRatio', () => {
  it('is NaN while its long average settles, then near 0 on a steady series', () => {
    const s = new StepRatio(0.15, 0.005, 3);
    const r = new Rng(7);
    expect(feed(s, r, 500, 100, 1)).toBeNaN();
    expect(Math.abs(feed(s, r, 1500, 100, 1))).toBeLessThan(0.6);
  });

  it('rises when the series turns jittery and ignores a level step', () => {
    const jitter = new StepRatio(0.15, 0.005, 3);
    const r = new Rng(11);
    feed(jitter, r, 2000, 100, 1);
    expect(feed(jitter, r, 30, 100, 4)).toBeGreaterThan(0.4); // steps 4 times larger, clipped at 3
    const step = new StepRatio(0.15, 0.005, 3);
    feed(step, r, 2000, 100, 1);
    expect(feed(step, r, 30, 150, 1)).toBeLessThan(0.25); // one large step, clipped, then ordinary steps
  });

  it('bounds what one spike adds (its two steps are clipped at 3 mean step sizes)', () => {
    const s = new StepRatio(0.15, 0.005, 3);
    const r = new Rng(3);
    feed(s, r, 2000, 100, 1);
    s.update(1e6);
    const after = s.update(100);
    expect(after).toBeLessThan(Math.log(1 + 2 * 0.15 * 3) + 0.3);
  });

  it('is off at a long smoothing of 0', () => {
    const s = new StepRatio(0.15, 0, 3);
    expect(feed(s, new Rng(1), 100, 5, 1)).toBeNaN();
  });
});
