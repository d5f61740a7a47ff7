/**
 * From the parts' calibrated scores of one sample to the stack's score: each part after its alarm record
 * on the series (noisy-parts.ts), the largest part plus agreement from the other family, weak lone scores
 * dropped, then the refractory period. Apart from the stack (series-stack.ts) to keep both files small;
 * it reads the scores from a typed array indexed like STACK_PARTS, so a sample allocates nothing here.
 */
import type { SeriesStackConfig } from './config.js';
import { NoisyParts } from './noisy-parts.js';
import { IS_WINDOW_PART, PERSISTS_BY_ITSELF, STACK_PARTS, type StackPart } from './parts.js';

export class PartFusion {
  /** The part that gave the last fused score ('' when it is 0). */
  detector: StackPart | '' = '';
  private readonly noisy: NoisyParts;
  /** Last sample of the current refractory period, and the score that must be beaten inside it. */
  private refractoryUntil = -1;
  private refractoryLevel = 0;
  /** Each family's largest part, held over recent samples (decaying by agreement_decay per sample). */
  private heldWindow = 0;
  private heldResidual = 0;
  /** Per part, the last sample at which it scored agreement_persist_level or more. */
  private readonly lastHigh = new Float64Array(STACK_PARTS.length).fill(-Infinity);

  constructor(private readonly cfg: SeriesStackConfig) {
    this.noisy = new NoisyParts(
      STACK_PARTS.length,
      cfg.noisy_episodes,
      cfg.refractory_score,
      cfg.noisy_score,
      cfg.refractory_samples,
    );
  }

  /**
   * The fused score of sample number `samples`; `parts` (indexed like STACK_PARTS) is rewritten with each
   * part's score after its alarm record, `falling` tells which direction each part scored. `young`: the
   * window family is still learning (see persisted()).
   */
  fuse(parts: Float64Array, falling: Uint8Array, samples: number, young: boolean): number {
    let score = 0;
    let top = -1;
    if (samples > this.cfg.warmup_samples) {
      for (let i = 0; i < STACK_PARTS.length; i++) {
        // A part that keeps alarming in one direction on this series needs a higher score there.
        parts[i] = this.noisy.judge(i, falling[i] === 1, parts[i]!, samples);
        if (parts[i]! > score) {
          score = parts[i]!;
          top = i;
        }
      }
      // Agreement counts only between the two families: parts of one family read the same signal (the
      // CUSUM and variance parts both rise with a run of large residuals) and agree without news.
      let windowMax = 0;
      let residualMax = 0;
      for (let i = 0; i < STACK_PARTS.length; i++) {
        if (IS_WINDOW_PART[i]) windowMax = Math.max(windowMax, parts[i]!);
        else residualMax = Math.max(residualMax, parts[i]!);
      }
      // Two views of one change rarely peak on the same sample (the run rule needs a few samples, a
      // window part sees the change when its window fills), so agreement reads the other family's
      // recent largest part.
      const decay = this.cfg.agreement_decay;
      this.heldWindow = Math.max(windowMax, this.heldWindow * decay);
      this.heldResidual = Math.max(residualMax, this.heldResidual * decay);
      const topFamily = top >= 0 && IS_WINDOW_PART[top]!;
      const other = topFamily ? this.heldResidual : this.heldWindow;
      // Independent evidence adds up, and a weak detection stands only when the other family agrees at
      // least a little (lone weak scores made most false positives).
      if (score > 0) score = Math.min(1, score + this.cfg.agreement_bonus * other);
      const persisted = this.persisted(top, topFamily, parts, samples, young);
      if (score < this.cfg.agreement_below && other < this.cfg.agreement_level && !persisted) {
        score = 0;
        top = -1;
      }
    }
    score = this.quiet(score, samples);
    this.detector = score === 0 || top < 0 ? '' : STACK_PARTS[top]!;
    return score;
  }

  /**
   * Agreement over time from one part while the window family is not complete (its members learn for
   * hundreds of samples: fuzzy ART from 750, relative entropy from 1200, so a young series' weak residual
   * scores had no one to agree with): a residual part that reached agreement_persist_level on one of the
   * last agreement_persist_samples samples and again now has seen the change twice, not a lone blip. Parts
   * whose scores persist by construction (drift's averages and slopes, flatline's growing run) do not count.
   */
  private persisted(
    top: number,
    topFamily: boolean,
    parts: Float64Array,
    samples: number,
    young: boolean,
  ): boolean {
    const level = this.cfg.agreement_persist_level;
    if (level <= 0) return false;
    const seen =
      young &&
      top >= 0 &&
      !topFamily &&
      !PERSISTS_BY_ITSELF[top] &&
      parts[top]! >= level &&
      samples - this.lastHigh[top]! <= this.cfg.agreement_persist_samples;
    for (let i = 0; i < STACK_PARTS.length; i++) if (parts[i]! >= level) this.lastHigh[i] = samples;
    return seen;
  }

  /** Whether sample number `samples` lies in the refractory period after a detection. */
  refractory(samples: number): boolean {
    return samples <= this.refractoryUntil;
  }

  /**
   * One change, one detection: the samples right after a detection usually score high for the same
   * reason, and each would be read as a new alarm. Inside the refractory period only a score stronger
   * by refractory_margin is reported (by default none: NAB-style scoring, like on-call, counts the first
   * detection of an anomaly and charges every later one that lands outside its window).
   */
  private quiet(score: number, samples: number): number {
    if (samples <= this.refractoryUntil) {
      if (score <= this.refractoryLevel + this.cfg.refractory_margin) return 0;
      this.refractoryLevel = score;
      return score;
    }
    if (score >= this.cfg.refractory_score && this.cfg.refractory_samples > 0) {
      this.refractoryUntil = samples + this.cfg.refractory_samples;
      this.refractoryLevel = score;
    }
    return score;
  }
}
