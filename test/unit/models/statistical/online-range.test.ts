import { describe, expect, it } from 'vitest';
import { OnlineRange } from '../../../../models/statistical/range/index.js';

describe('OnlineRange', () => {
  it('covers what it sees while settling, then widens slowly towards outliers', () => {
    const r = new OnlineRange(10, 0.1, 3);
    for (const v of [10, 20, 15]) r.observe(v);
    expect([r.low, r.high]).toEqual([10, 20]);
    expect(r.symbol(4)).toBe(0); // far below: more than half the width
    expect(r.symbol(9)).toBe(1);
    expect(r.symbol(10)).toBe(2);
    expect(r.symbol(19.99)).toBe(11);
    expect(r.symbol(20)).toBe(11);
    expect(r.symbol(21)).toBe(12);
    expect(r.symbol(26)).toBe(13); // far above
    const version = r.version;
    r.observe(120); // one spike moves the bound a tenth of the way
    expect(r.high).toBeCloseTo(30, 9);
    expect(r.version).toBe(version + 1);
    r.observe(15); // inside: nothing moves
    expect(r.version).toBe(version + 1);
    for (let i = 0; i < 100; i++) r.observe(120); // a lasting level is covered
    expect(r.high).toBeGreaterThan(119);
  });

  it('gives a constant series a small width instead of dividing by zero', () => {
    const r = new OnlineRange(10, 0.1, 3);
    for (let i = 0; i < 5; i++) r.observe(50);
    expect(r.symbol(50)).toBe(2);
    expect(r.symbol(50.01)).toBe(12);
    expect(r.symbol(51)).toBe(13);
    expect(r.symbol(Number.NaN)).toBe(0);
  });
});
