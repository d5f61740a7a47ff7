/**
 * Spike detector: the robust z-score of one sample against the baseline's forecast (seasonal or level,
 * see ../seasonal). The baseline clips what it learns from, so a spike stays a spike instead of
 * dragging the mean and the scale towards itself; the calibrator downstream turns z into a tail
 * probability against this series' own history of z (each sign apart), so heavy-tailed series are not a wall of alarms.
 *
 * With step_check, a spike must also be a jump: the step from the previous sample, in units of the typical
 * step, must point the same way (`stepped` is the smaller of the two). The stack calibrates z and stepped
 * each against its own history and takes the smaller score: on a random walk (or any series that wanders
 * while its baseline lags) z grows large without any unusual step, which used to be most of the stack's
 * false alarms, and on a series whose jumps recur (batch jobs starting) z is ordinary there. A real spike,
 * dip, outage or level shift is both far off and a jump.
 */
import type { SpikeConfig } from './config.js';

/** Mean absolute deviation of a normal is sigma * sqrt(2/pi). */
const MAD_TO_SIGMA = 1.2533;
/** Steps beyond this many typical steps update the typical step as if they were this large. */
const STEP_CLIP = 4;

export interface SpikeOutput {
  /** Signed z (0 in a direction that does not count). */
  z: number;
  /** Signed z limited by the step (see stepAgreed), NaN without step_check. */
  stepped: number;
}

export class SpikeDetector {
  private last = NaN;
  private stepMad = NaN;
  private steps = 0;

  constructor(private readonly cfg: SpikeConfig) {}

  /**
   * Signed raw scores for a standardized residual z (0 for a direction that does not count). Rises and
   * drops are calibrated apart: a series whose benign spikes all go up still alarms on its first drop.
   * `value` is the raw sample, for its step; `stepped` is NaN when step_check is off or no value is given.
   */
  update(z: number, value = NaN): SpikeOutput {
    if (!this.cfg.enabled || !Number.isFinite(z)) return { z: 0, stepped: NaN };
    const stepped = this.cfg.step_check && Number.isFinite(value) ? this.stepAgreed(z, value) : NaN;
    return { z: this.directed(z), stepped: Number.isNaN(stepped) ? NaN : this.directed(stepped) };
  }

  private directed(raw: number): number {
    switch (this.cfg.direction) {
      case 'up':
        return raw > 0 ? raw : 0;
      case 'down':
        return raw < 0 ? raw : 0;
      default:
        return raw;
    }
  }

  /** z limited by the step's own standardized size, 0 when the step points the other way. */
  private stepAgreed(z: number, value: number): number {
    const prev = this.last;
    this.last = value;
    if (Number.isNaN(prev)) return z;
    const step = value - prev;
    const mad = this.stepMad;
    if (!(mad > 0)) {
      // Learn the typical step before judging with it (a constant series keeps it at 0: z alone).
      if (step !== 0) this.stepMad = Math.abs(step);
      return z;
    }
    const a = Math.abs(step);
    this.stepMad = mad + this.cfg.step_alpha * (Math.min(a, STEP_CLIP * mad) - mad);
    if (++this.steps < 1 / this.cfg.step_alpha) return z;
    const dz = step / (mad * MAD_TO_SIGMA);
    if (dz * z <= 0) return 0;
    return Math.abs(dz) < Math.abs(z) ? dz : z;
  }
}
