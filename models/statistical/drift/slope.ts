/**
 * Local slope: the mean of the newer half of a short window of the deseasonalized, spike-clipped series
 * minus the mean of its older half, in baseline scales (a two-block estimate of the slope over the
 * window, which a lone spike moves by at most its clipped size over half a window). Signed, so the
 * stack calibrates rises and falls apart against the series' own history of slopes.
 *
 * Why beside the rare level and the run rule: a trend or a drift moves the baseline's level along with it
 * (a small lag, or a chain of small confirmed shifts that each look ordinary for the series), and on a
 * young series the rare level has no history of levels yet. The slope over the last few dozen samples is
 * judged against the slopes this series has made, wherever its level is: a series that wanders makes
 * steep slopes and is not alarmed by them; a steady one that starts to climb is.
 *
 * O(1) amortized per sample: a ring of the window's values and the two running half sums, summed afresh
 * once per window so that rounding does not accumulate.
 */
export class LocalSlope {
  private readonly ring: Float64Array;
  private readonly half: number;
  private head = 0;
  private filled = 0;
  /** Sums of the older and the newer half of the window (valid once the window is full). */
  private older = 0;
  private newer = 0;
  private basis = 0;

  constructor(samples: number) {
    this.half = Math.max(1, Math.floor(samples / 2));
    this.ring = new Float64Array(this.half * 2);
  }

  /**
   * Signed slope over the window in scales: newer half's mean minus older half's, over `scale` (NaN
   * until the window is full). `basis` names how x was deseasonalized: when it changes (a daily or weekly
   * cycle became ready) the window starts afresh, since the step between two bases is no slope of the
   * series.
   */
  update(x: number, scale: number, basis = 0): number {
    if (!Number.isFinite(x)) return NaN;
    if (basis !== this.basis) {
      this.basis = basis;
      this.head = 0;
      this.filled = 0;
    }
    const n = this.ring.length;
    const h = this.half;
    if (this.filled === n) {
      // The oldest value leaves the window; the oldest of the newer half passes to the older half.
      const passed = this.ring[(this.head + h) % n]!;
      this.older += passed - this.ring[this.head]!;
      this.newer += x - passed;
    }
    this.ring[this.head] = x;
    this.head = (this.head + 1) % n;
    if (this.filled < n) {
      if (++this.filled === n) this.resum();
    } else if (this.head === 0) this.resum();
    if (this.filled < n || !(scale > 0)) return NaN;
    return (this.newer - this.older) / h / scale;
  }

  /** Full with head at 0: slots 0..half-1 hold the older half, the rest the newer. */
  private resum(): void {
    let older = 0;
    let newer = 0;
    for (let i = 0; i < this.half; i++) older += this.ring[i]!;
    for (let i = this.half; i < this.ring.length; i++) newer += this.ring[i]!;
    this.older = older;
    this.newer = newer;
  }
}
