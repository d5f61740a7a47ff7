/**
 * A value range learned while streaming, for detectors that discretize values (../contextual,
 * ../relative-entropy) and so need a range to cut into bins, without knowing a series' min and max in
 * advance (what offline benchmarks hand their detectors, and what a live metric never offers).
 *
 * The range starts around the first samples and only widens, and slowly: a value beyond it falls into an
 * overflow bin (near or far, below or above: symbols of their own) and moves the nearer bound a fraction `widen` of the
 * way towards itself. One spike therefore widens the range a little and stays an outlier; a new level that
 * lasts is inside the range after a few dozen samples. Each widening bumps `version`, so a detector that
 * keeps bins of recent values knows when to recompute them.
 */
/** Bin widths past a bound that still count as the edge bin (0.5 kept a clean daily fixture quiet; 1 and 2 did not, or scored lower). */
const EDGE = 0.5;

export class OnlineRange {
  private lo = NaN;
  private hi = NaN;
  private seen = 0;
  /** Bumped whenever the bounds move (bins computed before it are stale). */
  version = 0;

  /**
   * @param bins bins inside the range (two overflow bins come on top)
   * @param widen fraction of an excess the nearer bound moves per sample beyond it
   * @param settle samples over which the range grows freely to cover what it sees (its first estimate)
   */
  constructor(
    readonly bins: number,
    private readonly widen: number,
    private readonly settle: number,
  ) {}

  /** Number of symbols: bins plus two overflow bins on each side (near, and far beyond half a span). */
  get symbols(): number {
    return this.bins + 4;
  }

  get low(): number {
    return this.lo;
  }

  get high(): number {
    return this.hi;
  }

  /** Learn one finite value (widening the range if it lies outside). */
  observe(v: number): void {
    if (this.seen++ === 0) {
      this.lo = v;
      this.hi = v;
      this.version++;
      return;
    }
    const rate = this.seen <= this.settle ? 1 : this.widen;
    if (v < this.lo) {
      this.lo -= rate * (this.lo - v);
      this.version++;
    } else if (v > this.hi) {
      this.hi += rate * (v - this.hi);
      this.version++;
    }
  }

  /**
   * Symbol of v: 0 far below the range (by more than half its width), 1 below it (by more than two bin
   * widths), 2..bins + 1 inside it (or just past it), bins + 2 above it, bins + 3 far above. The near overflow bins absorb the range's own growth at the
   * edges of ordinary noise; the far ones stay rare, so an outlier stays news. A range of zero width (a
   * constant so far) is given a width of a thousandth of the value's size, so tiny wobbles stay in one bin.
   */
  symbol(v: number): number {
    const lo = this.lo;
    const hi = this.hi;
    const width = hi - lo || Math.max(Math.abs(lo) * 1e-3, 1e-12);
    // Within EDGE bin widths of a bound counts as the edge bin: the range hugs the extremes of ordinary
    // noise, and a value just past it is the least anomalous of all, not news.
    const edge = (EDGE * width) / this.bins;
    if (!(v >= lo - edge)) return v < lo - width / 2 || Number.isNaN(v) ? 0 : 1;
    if (v > hi + edge) return v > hi + width / 2 ? this.bins + 3 : this.bins + 2;
    const b = Math.max(0, Math.floor(((v - lo) / width) * this.bins));
    return 2 + (b >= this.bins ? this.bins - 1 : b);
  }
}
