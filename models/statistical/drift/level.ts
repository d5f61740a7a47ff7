/**
 * Rare level: a short average of the deseasonalized, spike-clipped series, judged against the levels the
 * series has held over a long past (its own calibrators, which remember one level in `level_stride`
 * samples, so 1000 remembered levels span ten thousand samples).
 *
 * Why beside the residual parts: the baseline's level follows the series (that is its job), so a slow
 * drift or a trend leaves only a small lag in the residuals, and a series that wanders (a sensor read
 * through a slow process) has residuals that say nothing of where it wanders to. Where the series is
 * held against its own history, a level it has not been at for days stands out: one-sided (high and low
 * calibrated apart), and no more alarming for a series that wanders widely than its history allows.
 */
export class LevelAverage {
  private mean = NaN;

  constructor(private readonly alpha: number) {}

  /** The short average after this sample (NaN until the first finite sample). */
  update(x: number): number {
    if (!Number.isFinite(x)) return this.mean;
    this.mean = Number.isNaN(this.mean) ? x : this.mean + this.alpha * (x - this.mean);
    return this.mean;
  }
}
