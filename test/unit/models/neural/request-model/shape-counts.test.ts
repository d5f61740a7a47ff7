import { describe, expect, it } from 'vitest';
import { ShapeCounts } from '../../../../../models/neural/request-model/shape-counts.js';

/** The plain definition: when full, forget the first remembered of the least seen shapes. */
class ScanCounts {
  readonly counts = new Map<string, number>();
  constructor(private readonly max: number) {}
  remember(shape: string): void {
    const seen = this.counts.get(shape);
    if (seen !== undefined) return void this.counts.set(shape, seen + 1);
    if (this.counts.size >= this.max) {
      let rarest = '';
      let least = Infinity;
      for (const [key, n] of this.counts)
        if (n < least) {
          least = n;
          rarest = key;
        }
      this.counts.delete(rarest);
    }
    this.counts.set(shape, 1);
  }
}

describe('ShapeCounts', () => {
  it('keeps the same shapes, counts and order as forgetting the rarest by a scan', () => {
    let s = 5;
    const rnd = (): number => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    const fast = new ShapeCounts(40);
    const slow = new ScanCounts(40);
    let evictions = 0;
    for (let i = 0; i < 20_000; i++) {
      // A head of frequent shapes and a long tail of rare ones, as a service's traffic.
      const shape = rnd() < 0.7 ? `head-${Math.floor(rnd() * 25)}` : `tail-${Math.floor(rnd() * 400)}`;
      if (!slow.counts.has(shape) && slow.counts.size >= 40) evictions++;
      fast.remember(shape, [shape]);
      slow.remember(shape);
      if (i % 997 === 0) {
        const got = [...fast.values()].map((e) => [e.tokens[0], e.count]);
        expect(got).toEqual([...slow.counts]);
      }
    }
    expect(evictions).toBeGreaterThan(1000);
    expect([...fast.values()].map((e) => [e.tokens[0], e.count])).toEqual([...slow.counts]);
    expect(fast.size).toBe(40);
    expect(fast.get('head-3')?.count).toBe(slow.counts.get('head-3'));
  });
});
