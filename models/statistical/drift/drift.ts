/**
 * Slow-drift detector: the gap between a recent level and a long reference level of the deseasonalized
 * series, measured in units of that gap's own usual size. A leak that adds a fraction of the noise per
 * sample never makes one sample look odd and is absorbed by the baseline before CUSUM sums it up, but
 * it opens a steadily widening gap between a fast and a slow average.
 *
 * Returns a signed raw score (positive = drifting up) so each direction is calibrated on its own.
 */
import type { DriftConfig } from './config.js';

export class DriftDetector {
  private fast = NaN;
  private slow = NaN;
  private gapAbs = 0;
  private n = 0;
  private readonly slowAlpha: number;

  constructor(private readonly cfg: DriftConfig) {
    this.slowAlpha = 2 / (cfg.slow_samples + 1);
  }

  /** x: the deseasonalized value (already clipped against spikes by the caller). */
  update(x: number, scale: number): number {
    if (!this.cfg.enabled || !Number.isFinite(x)) return 0;
    if (this.n++ === 0) {
      this.fast = x;
      this.slow = x;
      return 0;
    }
    // Running means until the slow memory is full, so early estimates are not biased towards the start.
    const slowAlpha = Math.max(this.slowAlpha, 1 / this.n);
    this.fast += this.cfg.fast_alpha * (x - this.fast);
    this.slow += slowAlpha * (x - this.slow);
    const gap = this.fast - this.slow;
    // The gap's usual size, learned slowly; floored by a fraction of the residual scale so that a
    // perfectly flat history does not turn the first wobble into infinity.
    const usual = Math.max(this.gapAbs * 1.2533, 0.05 * scale, 1e-12);
    const raw = gap / usual;
    this.gapAbs += slowAlpha * (Math.abs(gap) - this.gapAbs);
    return this.n < 20 ? 0 : raw;
  }

  /** A confirmed level change: both averages move with it, so the gap does not linger. */
  shift(delta: number): void {
    if (!Number.isFinite(delta)) return;
    this.fast += delta;
    this.slow += delta;
  }
}
