/**
 * Variance ratio of a series' steps at two time scales: the short mean absolute successive difference
 * against the long one, as log(short / long) (absolute sizes, not squares: a spike's two large steps
 * weigh less against a lasting change). Steps ignore the level, so a benign level step (an
 * autoscaler adding a replica, a deployment) is one large step, clipped, and a daily cycle adds little;
 * added jitter doubles in the steps (white noise on top of a smooth series shows far more in its
 * differences than in its residuals), so a series turning jittery shows earlier than in the residual RMS.
 * Self-scaled: it needs no baseline, only the series' own long step size.
 */
export class StepRatio {
  private short = 0;
  private long = 0;
  private last = NaN;
  private seen = 0;

  constructor(
    private readonly shortAlpha: number,
    private readonly longAlpha: number,
    /** Largest step one sample may contribute, in long-run mean step sizes. */
    private readonly clip: number,
  ) {}

  /** log(short / long) of the steps' mean sizes; NaN until the long average has settled. */
  update(value: number): number {
    const prev = this.last;
    this.last = value;
    if (!(this.longAlpha > 0) || Number.isNaN(prev)) return NaN;
    const step = value - prev;
    this.seen++;
    if (this.seen === 1) {
      this.short = this.long = Math.abs(step);
      return NaN;
    }
    // Clipped against the long run so one spike (two large steps) cannot pass for a regime.
    const bound = this.clip * this.long;
    const abs = Math.abs(step);
    const size = this.long > 0 && abs > bound ? bound : abs;
    this.short += this.shortAlpha * (size - this.short);
    const ratio = Math.log((this.short + 1e-12) / (this.long + 1e-12));
    this.long += this.longAlpha * (size - this.long);
    return this.seen > 3 / this.longAlpha ? ratio : NaN;
  }
}
