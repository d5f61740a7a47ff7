/**
 * Variance-change detector: the short-term RMS of standardized residuals. The baseline's scale moves
 * slowly, so when a series turns jittery (a flapping dependency, retries, a noisy neighbour) the short
 * RMS rises well above 1 before the scale follows. Clipping keeps one spike from looking like a regime.
 * The other direction, a series gone quiet or flat, is read from successive differences.
 */
import type { VarianceConfig } from './config.js';
import { StepRatio } from './step-ratio.js';

export interface VarianceOutput {
  /** Short-term RMS of clipped residuals (rises when the series turns jittery). */
  up: number;
  /**
   * Quietness: −log of the short-term mean square of the series' steps (successive differences, in
   * scales). Steps ignore a constant offset, so a flatline (a stuck exporter, a frozen gauge) or a variance drop
   * shows even when the held value is far from the expected one.
   */
  down: number;
  /** log(short / long) mean size of the raw steps (StepRatio); NaN while it settles. */
  ratio: number;
}

export class VarianceDetector {
  private ms = 1;
  private diffMs = 1;
  private last = NaN;
  private seen = 0;
  private readonly steps: StepRatio;

  constructor(private readonly cfg: VarianceConfig) {
    this.steps = new StepRatio(cfg.ratio_short_alpha, cfg.ratio_long_alpha, cfg.ratio_clip);
  }

  /** z: standardized residual; value and scale: the sample and the baseline's scale, for its steps. */
  update(z: number, value: number, scale: number): VarianceOutput {
    if (!this.cfg.enabled || !Number.isFinite(z)) return { up: 0, down: NaN, ratio: NaN };
    const clip = this.cfg.clip;
    const c = z > clip ? clip : z < -clip ? -clip : z;
    this.ms += this.cfg.alpha * (c * c - this.ms);
    // Steps of the raw value (not of z, which moves as the baseline adapts to a flat series).
    const first = Number.isNaN(this.last) || !(scale > 0);
    const step = first ? 0 : (value - this.last) / scale / Math.SQRT2;
    const d = step > clip ? clip : step < -clip ? -clip : step;
    this.last = value;
    if (!first) this.diffMs += this.cfg.alpha * (d * d - this.diffMs);
    // The average starts at 1, not at this series' level, and successive values of it are far from
    // independent: judge quietness after five of its memory spans, when its calibration history holds
    // a few independent values of it rather than one.
    const settled = ++this.seen > 10 / this.cfg.alpha;
    const ratio = this.steps.update(value);
    return { up: Math.sqrt(this.ms), down: settled ? -Math.log(this.diffMs + 1e-12) : NaN, ratio };
  }
}
