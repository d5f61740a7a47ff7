/**
 * Variance-change detector: the short-term RMS of standardized residuals. The baseline's scale moves
 * slowly, so when a series turns jittery (a flapping dependency, retries, a noisy neighbour) the short
 * RMS rises well above 1 before the scale follows. Clipping keeps one spike from looking like a regime.
 */
import type { VarianceConfig } from './config.js';

export class VarianceDetector {
  private ms = 1;

  constructor(private readonly cfg: VarianceConfig) {}

  update(z: number): number {
    if (!this.cfg.enabled || !Number.isFinite(z)) return 0;
    const c = Math.min(Math.abs(z), this.cfg.clip);
    this.ms += this.cfg.alpha * (c * c - this.ms);
    return Math.sqrt(this.ms);
  }
}
