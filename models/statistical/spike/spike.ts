/**
 * Spike detector: the robust z-score of one sample against the baseline's forecast (seasonal or level,
 * see ../seasonal). The baseline clips what it learns from, so a spike stays a spike instead of
 * dragging the mean and the scale towards itself; the calibrator downstream turns z into a tail
 * probability against this series' own history of z (each sign apart), so heavy-tailed series are not a wall of alarms.
 */
import type { SpikeConfig } from './config.js';

export class SpikeDetector {
  constructor(private readonly cfg: SpikeConfig) {}

  /**
   * Signed raw score for a standardized residual z (0 for a direction that does not count). Rises and
   * drops are calibrated apart: a series whose benign spikes all go up still alarms on its first drop.
   */
  update(z: number): number {
    if (!this.cfg.enabled || !Number.isFinite(z)) return 0;
    switch (this.cfg.direction) {
      case 'up':
        return z > 0 ? z : 0;
      case 'down':
        return z < 0 ? z : 0;
      default:
        return z;
    }
  }
}
