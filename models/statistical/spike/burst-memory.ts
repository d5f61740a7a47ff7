/**
 * The series' own burst history, over its whole life: the sizes of the last `capacity` spikes that were
 * alarming when they came. A series that retries, fans out cron jobs or gets crawled bursts now and
 * then at similar heights; the calibration history (the last thousand samples or so) holds few or none
 * of those bursts, so each one looks like a record. Judged against the bursts the series has already
 * produced, a spike no larger than one of them is as likely as such bursts have been frequent:
 * k bursts at least as large in n samples give it a tail probability of about k/n.
 *
 * A spike larger than every remembered burst keeps its calibrated surprise (a genuine spike is usually
 * a new record), and so does every spike of a series that has never burst.
 */
import type { Calibrated } from '../calibration/tail-calibrator.js';

/** How a surprise maps to a score: the calibration's floor and ceiling (../calibration). */
export interface SurpriseScale {
  surprise_floor: number;
  surprise_ceiling: number;
}

export class BurstMemory {
  private readonly sizes: Float64Array;
  private stored = 0;
  private head = 0;

  constructor(
    capacity: number,
    private readonly admitSurprise: number,
    private readonly scale: SurpriseScale,
  ) {
    this.sizes = new Float64Array(capacity);
  }

  /**
   * The calibrated judgement of a spike of `size`, bounded by the burst history of a series that has
   * seen `samples` samples; an alarming spike is remembered after it is judged.
   */
  judge(calibrated: Calibrated, size: number, samples: number): Calibrated {
    const capacity = this.sizes.length;
    if (capacity === 0 || calibrated.surprise <= this.admitSurprise) return calibrated;
    let atLeast = 0;
    for (let i = 0; i < this.stored; i++) if (this.sizes[i]! >= size) atLeast++;
    this.sizes[this.head] = size;
    this.head = (this.head + 1) % capacity;
    if (this.stored < capacity) this.stored++;
    if (atLeast === 0) return calibrated;
    const surprise = Math.min(calibrated.surprise, -Math.log10(atLeast / samples));
    const { surprise_floor: lo, surprise_ceiling: hi } = this.scale;
    const score = surprise <= lo ? 0 : surprise >= hi ? 1 : (surprise - lo) / (hi - lo);
    return { tail: 10 ** -surprise, surprise, score };
  }
}
