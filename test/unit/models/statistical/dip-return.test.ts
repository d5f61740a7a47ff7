import { describe, expect, it } from 'vitest';
import { SeriesDetector, seriesStackConfig } from '../../../../models/statistical/series-stack/index.js';
import { DipReturnDetector } from '../../../../models/statistical/spike/index.js';
import { Rng } from '../../../../pipelines/sources/simulator/prng.js';

const STEP = 300_000;

/** A heap that grows and is collected at irregular heights (drops that never come back). */
function heap(seed: number, length: number, dipAt = -1): number[] {
  const r = new Rng(seed);
  const level = 500;
  const slope = 4;
  let h = level;
  let limit = level * r.uniform(1.3, 1.8);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    h += slope * (1 + 0.5 * r.normal());
    if (h >= limit) {
      h = level * r.uniform(0.95, 1.05);
      limit = level * r.uniform(1.3, 1.8);
    }
    // A three-sample dip of 50 (the heap's collections drop by 150 to 400), then back on the ramp.
    out.push(h + 2 * r.normal() - (i >= dipAt && i < dipAt + 3 ? 50 : 0));
  }
  return out;
}

/** First sample at or after `from` scoring 0.5 or more, -1 if none. */
function firstAlarm(values: readonly number[], dipReturn: number, from: number): number {
  const d = new SeriesDetector(seriesStackConfig({ spike: { dip_return_samples: dipReturn } }));
  let first = -1;
  values.forEach((v, i) => {
    const s = d.update(i * STEP, v);
    if (first < 0 && i >= from && s.score >= 0.5) first = i;
  });
  return first;
}

describe('DipReturnDetector', () => {
  it('scores a stretch below both sides in mean steps, from the lower edge', () => {
    const d = new DipReturnDetector(4, 0.01);
    for (let i = 0; i < 40; i++) d.update(i % 2); // mean absolute step 1
    d.update(10);
    d.update(10);
    d.update(4);
    d.update(5);
    expect(d.update(8)).toBeCloseTo(3, 0); // lower edge 8 minus the stretch's top 5, in steps of ~1
  });

  it('gives a drop that does not come back, and the gap between two bursts, no depth', () => {
    const d = new DipReturnDetector(4, 0.01);
    for (let i = 0; i < 40; i++) d.update(i % 2);
    expect([d.update(-20), d.update(-20), d.update(-20), d.update(-20)]).toEqual([0, 0, 0, 0]);
    const b = new DipReturnDetector(4, 0.01);
    for (let i = 0; i < 40; i++) b.update(i % 2);
    const afterBursts = [b.update(30), b.update(0), b.update(1), b.update(30)];
    expect(afterBursts[3]).toBe(0); // one burst is no left edge: the lower of two samples is
  });

  it('sees no dip in the idle gap between two bursts when the edges are departures themselves', () => {
    const gap = (edgeZ: number): number => {
      const d = new DipReturnDetector(8, 0.01, edgeZ);
      for (let i = 0; i < 40; i++) d.update(i % 2, 0); // idle, mean absolute step 1
      [50, 50, 0, 1, 0, 1].forEach((v) => d.update(v, v > 10 ? 25 : 0)); // a burst, then idle again
      return d.update(50, 25); // the next burst
    };
    expect(gap(4)).toBe(0);
    expect(gap(Infinity)).toBeGreaterThan(40); // without the rule, the idle gap reads as a deep dip
  });

  it('still learns its step size when the series starts flat (a gauge at 0 before its first work)', () => {
    const d = new DipReturnDetector(4, 0.01);
    for (let i = 0; i < 20; i++) d.update(0);
    for (let i = 0; i < 40; i++) d.update(i % 2);
    d.update(1);
    d.update(-5);
    expect(d.update(1)).toBeGreaterThan(3);
  });

  it('finds a short dip on a collected heap that the stack misses without it', () => {
    const dipAt = 3000;
    const values = heap(13, 3600, dipAt);
    const on = firstAlarm(values, 12, dipAt - 200);
    expect(on).toBe(dipAt + 3); // on the sample that comes back
    expect(firstAlarm(values, 12, 750)).toBe(on); // and no alarm before it
    expect(firstAlarm(values, 0, dipAt - 200)).toBe(-1);
  });
});
