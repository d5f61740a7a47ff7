/**
 * Peaks over threshold over the series' whole life (the idea of SPOT / DSPOT): every excursion of the
 * standardized residual beyond `threshold` (a run of samples there, counted once at its peak) is one
 * exceedance; their number N over n samples and their mean excess beyond the threshold fit an
 * exponential tail (a generalized Pareto tail with shape 0), so a departure of size x is about
 * (N / n) · exp(−(x − threshold) / mean excess) likely.
 *
 * The calibration history (the last thousand samples or so) holds few of a bursty series' bursts, and
 * its exponential tail is fitted on the top few percent of ordinary residuals: each new burst a little
 * larger than the last is called one in a million there. Judged against the series' own record of past
 * bursts, a burst of a size the series has shown before (and a little beyond) is as rare as those were,
 * while a departure far larger in kind still reaches the ceiling: the tail extrapolates, it does not cap.
 *
 * Only completed excursions count (the current one is judged against the earlier ones), and nothing is
 * bounded before `minPeaks` excursions have been seen: a series that never burst keeps its calibrated
 * surprise. O(1) state: a count, a sum, the running peak.
 */
import type { CalibrationConfig } from '../calibration/config.js';
import type { Calibrated } from '../calibration/tail-calibrator.js';
import { BurstMemory, type SurpriseScale } from './burst-memory.js';
import type { SpikeConfig } from './config.js';

const LOG10_E = Math.LOG10E;

export class BurstTail {
  private peaks = 0;
  private excess = 0;
  private running = 0;

  constructor(
    private readonly threshold: number,
    private readonly minPeaks: number,
    private readonly scale: SurpriseScale,
  ) {}

  /**
   * The calibrated judgement of a departure of `size` (≥ 0, in scales) after `samples` samples, bounded by
   * the tail of the series' earlier excursions; the excursion record then learns `size`.
   */
  judge(calibrated: Calibrated, size: number, samples: number): Calibrated {
    const u = this.threshold;
    if (u <= 0) return calibrated;
    let out = calibrated;
    if (this.peaks >= this.minPeaks && size >= u && calibrated.surprise > this.scale.surprise_floor) {
      const mean = Math.max(this.excess / this.peaks, 1e-9);
      const surprise = -Math.log10(this.peaks / Math.max(samples, 1)) + ((size - u) / mean) * LOG10_E;
      if (surprise < calibrated.surprise) {
        const { surprise_floor: lo, surprise_ceiling: hi } = this.scale;
        const score = surprise <= lo ? 0 : surprise >= hi ? 1 : (surprise - lo) / (hi - lo);
        out = { tail: 10 ** -surprise, surprise, score };
      }
    }
    if (size >= u) this.running = Math.max(this.running, size);
    else if (this.running > 0) {
      this.peaks++;
      this.excess += this.running - u;
      this.running = 0;
    }
    return out;
  }
}

/**
 * One direction of spikes judged by the series' burst record: the burst memory (a spike no larger than k
 * remembered alarming bursts) and then the tail of past excursions; `start` samples before raw scores
 * were calibrated do not count as samples seen by the tail.
 */
export class BurstJudge {
  private readonly memory: BurstMemory;
  private readonly tail: BurstTail;

  constructor(
    spike: SpikeConfig,
    calibration: CalibrationConfig,
    private readonly start: number,
  ) {
    this.memory = new BurstMemory(spike.burst_memory, spike.burst_admit_surprise, calibration);
    this.tail = new BurstTail(spike.burst_tail_threshold, spike.burst_tail_min_peaks, calibration);
  }

  judge(calibrated: Calibrated, size: number, samples: number): Calibrated {
    return this.tail.judge(this.memory.judge(calibrated, size, samples), size, samples - this.start);
  }
}
