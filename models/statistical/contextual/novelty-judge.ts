/**
 * How the stack judges context novelty's raw score (novelty.ts) against its own history.
 *
 * Remembered late: each raw score is learned by the calibrator `novelty_delay` samples later, so a changed
 * pattern is judged against the shares of new contexts the series made before it, not against its own
 * first samples (a lasting change fed its own start to the history and read as ordinary within a few dozen
 * samples). Learned at once while the part cannot count yet (the warm-up: a young series' history is short
 * and its novelty high) and while a detection's refractory period runs (the change has been reported and
 * is the new normal): what waits is learned then too.
 *
 * Quiet after a departure: for `novelty_orders` samples after a sample beyond the stack's
 * `return_departure` (z), the new contexts are those of a lone spike, which is the spike part's to judge;
 * with the history remembered late they would read as rare (a clean spiky rate alarmed that way).
 */
import type { TailCalibrator } from '../calibration/tail-calibrator.js';
import { DelayLine } from '../drift/delay.js';
import type { ContextualConfig } from './config.js';

export class NoveltyJudge {
  private readonly waiting: DelayLine;
  private departedAt = -Infinity;

  constructor(
    private readonly cfg: ContextualConfig,
    private readonly departure: number,
  ) {
    this.waiting = new DelayLine(cfg.novelty_delay);
  }

  /**
   * The calibrated score of `raw` at sample `samples` (z: the sample's residual in scales; `flush`: a
   * detection's refractory period runs). 0 while quiet after a departure.
   */
  score(cal: TailCalibrator, raw: number, z: number, samples: number, flush: boolean): number {
    const n = this.waiting.capacity;
    if (n === 0) return cal.updateScore(raw);
    if (Math.abs(z) > this.departure) this.departedAt = samples;
    let x: number;
    if (flush || samples <= this.cfg.novelty_warmup + n) {
      while (!this.waiting.empty) cal.updateScore(this.waiting.shift());
      x = cal.updateScore(raw);
    } else {
      if (this.waiting.full) cal.updateScore(this.waiting.shift());
      x = cal.calibrateScore(raw);
      this.waiting.push(raw);
    }
    return samples - this.departedAt > this.cfg.novelty_orders ? x : 0;
  }
}
