import { describe, expect, it } from 'vitest';
import { lowerBound, upperBound } from '../../../../models/statistical/calibration/sorted-search.js';

/** The plain binary searches the hinted ones must agree with. */
function plain(s: Float64Array, n: number, v: number, after: boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (after ? s[mid]! <= v : s[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A deterministic generator (the same draws every run). */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe('sorted searches with cheap answers first', () => {
  it('give the answers of a plain binary search from any hint, with ties and runs of zeros', () => {
    const rnd = lcg(5);
    for (let t = 0; t < 400; t++) {
      const n = Math.floor(rnd() * 60);
      // Few distinct values (long runs of equals, often 0) or many.
      const levels = t % 2 === 0 ? 4 : 1000;
      const s = Float64Array.from({ length: n + 3 }, () => Math.floor(rnd() * levels)).subarray(0, n);
      s.sort();
      for (let k = 0; k < 40; k++) {
        const v = Math.floor(rnd() * (levels + 2)) - 1 + (k % 3 === 0 ? 0.5 : 0);
        const hint = Math.floor(rnd() * (n + 4)) - 2;
        expect(lowerBound(s, n, v, hint)).toBe(plain(s, n, v, false));
        expect(upperBound(s, n, v, hint)).toBe(plain(s, n, v, true));
      }
    }
  });
});
