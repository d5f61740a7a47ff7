/**
 * Stuck-value detector: a run of samples equal to the one before (up to floating-point noise) (a frozen gauge, a stuck
 * exporter, a sensor that stopped reporting changes) judged against how often this series repeats a
 * value at all.
 *
 * With p the series' own rate of exact repeats so far (Laplace-smoothed), a run of k repeats has the
 * surprise k · −log10 p, capped like the calibrators' (never more than 10,000 times rarer than 1/n).
 * A continuous series (p near 1/n) is surprised by a run of two or three; a series of small counts or
 * coarse readings repeats often, so only a long run surprises it.
 *
 * One run, one detection: once a run's score has reached `reportScore`, the rest of the run scores 0
 * (a series that stays stuck, or rests at a floor like 0, is reported once, not after every refractory
 * period). The run still teaches p, so a series that often rests at one value learns that it does.
 *
 * Runs it reported are remembered (value and final length, the last `run_memory`): a later run at the
 * same value, no longer than m remembered ones after n samples, is at most −log10(m/n) surprising. A
 * gauge that rests at 0 after each reset alarms on its first rest, not on each one.
 */
import type { FlatlineConfig } from './config.js';

/** How raw surprise maps to a score: the calibrators' floor and ceiling (../calibration). */
export interface SurpriseScale {
  surprise_floor: number;
  surprise_ceiling: number;
}

export class FlatlineDetector {
  private previous = NaN;
  private samples = 0;
  private repeats = 0;
  private run = 0;
  private reported = false;
  private readonly runValues: Float64Array;
  private readonly runLengths: Float64Array;
  private runsStored = 0;
  private runsHead = 0;

  constructor(
    private readonly cfg: FlatlineConfig,
    private readonly scale: SurpriseScale,
    private readonly reportScore: number,
  ) {
    this.runValues = new Float64Array(cfg.run_memory);
    this.runLengths = new Float64Array(cfg.run_memory);
  }

  /** Current run of repeats (0 when the last value differed from the one before). */
  get runLength(): number {
    return this.run;
  }

  /** Score in [0,1] of the run ending at `value`. */
  update(value: number): number {
    if (!this.cfg.enabled || !Number.isFinite(value)) return 0;
    const repeated = same(value, this.previous);
    const runValue = this.previous;
    this.previous = value;
    this.samples++;
    if (!repeated) {
      if (this.reported) this.remember(runValue, this.run);
      this.run = 0;
      this.reported = false;
      return 0;
    }
    this.run++;
    this.repeats++;
    if (this.reported) return 0;
    const p = (this.repeats + 1) / (this.samples + 2);
    let surprise = Math.min(this.run * -Math.log10(p), Math.log10(this.samples + 1) + 4);
    const alike = this.remembered(value, this.run);
    if (alike > 0) surprise = Math.min(surprise, -Math.log10(alike / this.samples));
    const { surprise_floor: lo, surprise_ceiling: hi } = this.scale;
    const score = surprise <= lo ? 0 : surprise >= hi ? 1 : (surprise - lo) / (hi - lo);
    if (score >= this.reportScore) this.reported = true;
    return score;
  }

  /** Remembered runs at `value` at least `length` long. */
  private remembered(value: number, length: number): number {
    let n = 0;
    for (let i = 0; i < this.runsStored; i++)
      if (same(this.runValues[i]!, value) && this.runLengths[i]! >= length) n++;
    return n;
  }

  private remember(value: number, length: number): void {
    const capacity = this.runValues.length;
    if (capacity === 0) return;
    this.runValues[this.runsHead] = value;
    this.runLengths[this.runsHead] = length;
    this.runsHead = (this.runsHead + 1) % capacity;
    if (this.runsStored < capacity) this.runsStored++;
  }
}

/**
 * Equal up to floating-point noise: rates derived from counters ((b − a) / dt) of a constant flow differ
 * in their last bits, and such a flow must read as one run, not as many short ones.
 */
function same(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}
