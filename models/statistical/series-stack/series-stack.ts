/**
 * The metric detector stack on one univariate series, streaming: each sample is scored from the samples
 * before it and itself only, in O(1) amortized time (well under a microsecond of arithmetic plus a few
 * small memmoves).
 *
 *   value ─► seasonal baseline ─► z ─┬─► spike (z)              ─► calibrators (up, down) ─┐
 *                  ▲                 ├─► CUSUM run rule (up, down) ─► calibrators (up, down) ─┤
 *                  │                 ├─► variance (RMS, steps)  ─► calibrators (up, down) ─┼─► agreement ─► score
 *                  │                 ├─► drift (gap off; rare level, slope on) ─► calib. ─────┤
 *                  │                 └─► changepoint (BOCPD, off by default) ─► calibrator ┤
 *   value ─► dip and return (a stretch below both sides, in mean steps) ─► calibrator ─────┤ (spike part)
 *   value ─► flatline (run of exact repeats against the series' repeat rate) ─────────────┤
 *   value ─► relative entropy, context novelty, fuzzy ART (windows) ─► calibrators ────────┘
 *                  └──────── confirmed level shift (CUSUM) moves the baseline and the drift averages
 *
 * Agreement: the largest part plus agreement_bonus times the other family's largest part (residual parts,
 * window parts), held over recent samples; a weak score stands only with some support from the other family.
 * Before that, a part that has kept alarming in one direction on this series needs a higher score there
 * (noisy-parts.ts).
 *
 * Each raw score is turned into a tail probability against its own recent history (../calibration), so
 * the fused score is 0 for ordinary samples and rises sharply only for what this series rarely does.
 * Rises and drops are calibrated apart. A confirmed level change moves the baseline at once: it is
 * reported when it happens, then the new level is normal (no alarm for hours while an average catches up).
 */
import { ArtDetector } from '../art/art.js';
import { TailCalibrator, type Calibrated } from '../calibration/tail-calibrator.js';
import { ChangepointDetector } from '../changepoint/changepoint.js';
import { ContextualDetector } from '../contextual/contextual.js';
import { ContextNovelty } from '../contextual/novelty.js';
import { CusumDetector } from '../cusum/cusum.js';
import { DriftDetector } from '../drift/drift.js';
import { LevelAverage } from '../drift/level.js';
import { LocalSlope } from '../drift/slope.js';
import { FlatlineDetector } from '../flatline/flatline.js';
import { AnomalyLikelihood } from '../likelihood/likelihood.js';
import { RelativeEntropyDetector } from '../relative-entropy/relative-entropy.js';
import { SeasonalBaseline } from '../seasonal/seasonal.js';
import { BurstJudge } from '../spike/burst-tail.js';
import { DipReturnDetector } from '../spike/dip-return.js';
import { SpikeDetector } from '../spike/spike.js';
import { PhaseScale } from '../variance/phase-scale.js';
import { VarianceDetector } from '../variance/variance.js';
import { defaultSeriesStackConfig, type SeriesStackConfig } from './config.js';
import { NoisyParts } from './noisy-parts.js';
import {
  IS_WINDOW_PART,
  PERSISTS_BY_ITSELF,
  NO_PARTS,
  PART_INDEX,
  STACK_PARTS,
  idle,
  type CalibratorName,
  type SeriesScore,
  type StackPart,
} from './parts.js';

export { STACK_PARTS, WINDOW_PARTS, type SeriesScore, type StackPart } from './parts.js';

export class SeriesDetector {
  private readonly baseline: SeasonalBaseline;
  private readonly spike: SpikeDetector;
  private readonly cusum: CusumDetector;
  private readonly variance: VarianceDetector;
  private readonly phase: PhaseScale;
  private readonly drift: DriftDetector;
  private readonly level: LevelAverage;
  private readonly slope: LocalSlope;
  private readonly changepoint: ChangepointDetector;
  private readonly likelihood: AnomalyLikelihood;
  private readonly contextual: ContextualDetector;
  private readonly novelty: ContextNovelty;
  private readonly entropy: RelativeEntropyDetector;
  private readonly art: ArtDetector;
  private readonly flatline: FlatlineDetector;
  private readonly dipReturn: DipReturnDetector;
  private readonly cal: Record<CalibratorName, TailCalibrator>;
  private readonly burstsUp: BurstJudge;
  private readonly burstsDown: BurstJudge;
  private readonly noisy: NoisyParts;
  /** Per part, whether its score this sample came from a drop (rises and drops are judged apart). */
  private readonly falling = new Uint8Array(STACK_PARTS.length);
  private samples = 0;
  private lastMs = -Infinity;
  /** Last sample of the current refractory period, and the score that must be beaten inside it. */
  private refractoryUntil = -1;
  private refractoryLevel = 0;
  /** Each family's largest part, held over recent samples (decaying by agreement_decay per sample). */
  private heldWindow = 0;
  private heldResidual = 0;
  /** Per part, the last sample at which it scored agreement_persist_level or more. */
  private readonly lastHigh = new Float64Array(STACK_PARTS.length).fill(-Infinity);
  /** z of the previous sample and of this one (for the return from a lone departure). */
  private prevZ = 0;
  private lastZ = 0;

  constructor(readonly cfg: SeriesStackConfig = defaultSeriesStackConfig) {
    this.baseline = new SeasonalBaseline(cfg.seasonal);
    this.spike = new SpikeDetector(cfg.spike);
    this.cusum = new CusumDetector(cfg.cusum);
    this.variance = new VarianceDetector(cfg.variance);
    this.phase = new PhaseScale(cfg.variance, cfg.calibration);
    this.drift = new DriftDetector(cfg.drift);
    this.level = new LevelAverage(cfg.drift.level_alpha);
    this.slope = new LocalSlope(cfg.drift.slope_samples);
    this.changepoint = new ChangepointDetector(cfg.changepoint);
    this.likelihood = new AnomalyLikelihood(cfg.likelihood);
    this.contextual = new ContextualDetector(cfg.contextual);
    this.novelty = new ContextNovelty(cfg.contextual);
    this.entropy = new RelativeEntropyDetector(cfg.relative_entropy);
    this.art = new ArtDetector(cfg.art);
    this.dipReturn = new DipReturnDetector(
      cfg.spike.dip_return_samples,
      cfg.spike.dip_return_step_alpha,
      cfg.spike.dip_return_edge_z,
    );
    this.flatline = new FlatlineDetector(cfg.flatline, cfg.calibration, cfg.refractory_score);
    this.burstsUp = new BurstJudge(cfg.spike, cfg.calibration, cfg.calibration_start);
    this.burstsDown = new BurstJudge(cfg.spike, cfg.calibration, cfg.calibration_start);
    this.noisy = new NoisyParts(
      STACK_PARTS.length,
      cfg.noisy_episodes,
      cfg.refractory_score,
      cfg.noisy_score,
      cfg.refractory_samples,
    );
    const c = (): TailCalibrator => new TailCalibrator(cfg.calibration);
    this.cal = {
      spikeUp: new TailCalibrator({ ...cfg.calibration, tail: cfg.spike.tail }),
      spikeDown: new TailCalibrator({ ...cfg.calibration, tail: cfg.spike.tail }),
      stepUp: c(),
      stepDown: c(),
      cusumUp: c(),
      cusumDown: c(),
      variance: c(),
      varianceDown: c(),
      stepRatio: c(),
      driftUp: c(),
      driftDown: c(),
      changepoint: c(),
      contextual: c(),
      novelty: c(),
      entropy: c(),
      art: c(),
      dipReturn: c(),
      levelUp: c(),
      levelDown: c(),
      slopeUp: c(),
      slopeDown: c(),
    };
  }

  get count(): number {
    return this.samples;
  }

  /**
   * Score one sample. Samples must come in time order; one older than the last is scored 0 and not
   * learned (a late scrape must not rewrite the baseline). Non-finite values are scored 0 and skipped.
   */
  update(timeMs: number, value: number): SeriesScore {
    if (!Number.isFinite(value) || !Number.isFinite(timeMs) || timeMs < this.lastMs) return idle(value);
    this.lastMs = timeMs;
    this.samples++;
    this.prevZ = this.lastZ;
    const b = this.baseline.observe(timeMs, value);
    this.lastZ = b.z;
    const residual = value - b.expected;

    const spikeRaw = this.spike.update(b.z, value);
    const dipRaw = this.dipReturn.update(value, b.z);
    // The binned detectors read the value itself: their ranges are learned, so scale does not matter.
    const contextRaw = this.contextual.update(value);
    const noveltyRaw = this.novelty.update(value);
    const entropyRaw = this.entropy.update(value);
    const artRaw = this.art.update(value);
    // Judged by its own repeat rate, not calibrated again: its score is already a tail probability.
    const flatline = this.flatline.update(value);
    const cusum = this.cusum.update(b.z, residual);
    const varianceRaw = this.variance.update(b.z, value, b.scale);
    const phaseRaw = this.phase.update(timeMs, residual);
    const driftRaw = this.drift.update(b.deseasonalized, b.scale);
    const level = this.level.update(b.deseasonalized);
    const slope =
      this.cfg.drift.slope_samples > 0 ? this.slope.update(b.deseasonalized, b.scale, b.cycle) : NaN;
    // The changepoint model sees the cycle removed and spikes clipped: a lone spike is the spike
    // part's business, a new regime is its own.
    const changeRaw = this.changepoint.update(b.deseasonalized, b.level, b.scale * b.scale);
    if (cusum.shift !== undefined) {
      this.baseline.shiftLevel(cusum.shift);
      this.drift.shift(cusum.shift);
    }

    const parts: Record<StackPart, number> = { ...NO_PARTS };
    if (this.samples > this.cfg.calibration_start) {
      const cal = this.cal;
      // The stack's surprise (the largest of its calibrated parts) feeds the anomaly likelihood.
      let surprise = 0;
      // Which of the two directions the last larger() took (the drop, y, when it scored higher).
      let fell = false;
      const larger = (x: Calibrated, y: Calibrated): number => {
        surprise = Math.max(surprise, x.surprise, y.surprise);
        fell = y.score > x.score;
        return Math.max(x.score, y.score);
      };
      const falling = this.falling;
      falling.fill(0);
      // A spike no larger than a burst this series has already produced is as rare as such bursts were,
      // and no rarer than the tail of its past excursions makes it (burst-tail.ts).
      const up = Math.max(spikeRaw.z, 0);
      const down = Math.max(-spikeRaw.z, 0);
      const zUp = this.burstsUp.judge(cal.spikeUp.update(up), up, this.samples);
      const zDown = this.burstsDown.judge(cal.spikeDown.update(down), down, this.samples);
      parts.spike = larger(zUp, zDown);
      falling[PART_INDEX.spike] = b.z < 0 ? 1 : 0;
      if (!Number.isNaN(spikeRaw.stepped)) {
        // A spike must be unusual both as a departure and as a jump, each judged by its own history.
        const sUp = cal.stepUp.update(Math.max(spikeRaw.stepped, 0)).score;
        const sDown = cal.stepDown.update(Math.max(-spikeRaw.stepped, 0)).score;
        parts.spike = this.cfg.spike.step_gate
          ? Math.max(sUp > 0 ? zUp.score : 0, sDown > 0 ? zDown.score : 0)
          : Math.max(Math.min(zUp.score, sUp), Math.min(zDown.score, sDown));
      }
      // A short dip that comes back up, on series whose drops usually do not (see dip-return.ts).
      if (this.cfg.spike.dip_return_samples > 0) {
        const dip = cal.dipReturn.update(dipRaw);
        if (this.samples > this.cfg.spike.dip_return_warmup && dip.score > parts.spike) {
          parts.spike = dip.score;
          falling[PART_INDEX.spike] = 1;
        }
      }
      parts.level_shift = larger(
        cal.cusumUp.update(cusum.sustainedUp),
        cal.cusumDown.update(cusum.sustainedDown),
      );
      falling[PART_INDEX.level_shift] = fell ? 1 : 0;
      parts.variance = larger(cal.variance.update(varianceRaw.up), cal.varianceDown.update(varianceRaw.down));
      falling[PART_INDEX.variance] = fell ? 1 : 0;
      // The residual against its own hour's usual error and spread (phase-scale.ts).
      const phased = this.phase.judge(phaseRaw, this.samples);
      if (phased.score > parts.variance) {
        parts.variance = phased.score;
        falling[PART_INDEX.variance] = 0;
      }
      const ratio = cal.stepRatio.update(varianceRaw.ratio);
      if (ratio.score > parts.variance) {
        parts.variance = ratio.score;
        falling[PART_INDEX.variance] = 0;
      }
      parts.drift = larger(
        cal.driftUp.update(Math.max(driftRaw, 0)),
        cal.driftDown.update(Math.max(-driftRaw, 0)),
      );
      falling[PART_INDEX.drift] = fell ? 1 : 0;
      if (this.cfg.drift.level_enabled) {
        // A level this series has rarely held: judged every sample, one level in level_stride remembered.
        const learn = this.samples % this.cfg.drift.level_stride === 0;
        const high = learn ? cal.levelUp.update(level) : cal.levelUp.calibrate(level);
        const low = learn ? cal.levelDown.update(-level) : cal.levelDown.calibrate(-level);
        const rare = larger(high, low);
        if (this.samples > this.cfg.drift.level_warmup && rare > parts.drift) {
          parts.drift = rare;
          falling[PART_INDEX.drift] = fell ? 1 : 0;
        }
      }
      if (!Number.isNaN(slope)) {
        // A slope this series has rarely made, rises and falls apart; a shallow one never counts. Judged
        // every sample, one in slope_stride remembered (neighbouring slopes share most of their window).
        const learn = this.samples % this.cfg.drift.slope_stride === 0;
        const up = Math.max(slope, 0);
        const down = Math.max(-slope, 0);
        const steep = learn
          ? larger(cal.slopeUp.update(up), cal.slopeDown.update(down))
          : larger(cal.slopeUp.calibrate(up), cal.slopeDown.calibrate(down));
        if (Math.abs(slope) >= this.cfg.drift.slope_min && steep > parts.drift) {
          parts.drift = steep;
          falling[PART_INDEX.drift] = fell ? 1 : 0;
        }
      }
      const change = cal.changepoint.update(changeRaw);
      parts.changepoint = change.score;
      if (this.cfg.changepoint.enabled) surprise = Math.max(surprise, change.surprise);
      // NaN (still learning) is neither judged nor remembered by the calibrators.
      const ctx = cal.contextual.update(contextRaw);
      if (this.contextual.ready) parts.contextual = ctx.score * this.cfg.contextual.weight;
      // Context novelty (CAD-OSE idea) joins the contextual part: share of recent contexts never seen.
      const fresh = cal.novelty.update(noveltyRaw).score * this.cfg.contextual.weight;
      if (this.novelty.counted(noveltyRaw, this.samples) && fresh > parts.contextual)
        parts.contextual = fresh;
      // Its raw scores move slowly (a window's worth of samples each), so its calibration history learns
      // one in calibration_stride: the same memory then spans that many times more windows.
      const learnEntropy = this.samples % this.cfg.relative_entropy.calibration_stride === 0;
      const ent = learnEntropy ? cal.entropy.update(entropyRaw) : cal.entropy.calibrate(entropyRaw);
      if (this.entropy.ready) parts.relative_entropy = ent.score * this.cfg.relative_entropy.weight;
      const art = cal.art.update(artRaw);
      if (this.art.ready) parts.art = art.score * this.cfg.art.weight;
      // A lone departure seen again: the fuzzy ART window still holds the previous sample, a departure
      // the residual parts have already judged, while this sample is ordinary again (a burst ending).
      const d = this.cfg.return_departure;
      if (d > 0 && Math.abs(this.prevZ) > d && Math.abs(b.z) < this.cfg.return_ordinary) parts.art = 0;
      parts.flatline = flatline;
      if (this.cfg.likelihood.enabled) parts.likelihood = this.likelihood.update(surprise).score;
    }
    let score = 0;
    let detector: StackPart | '' = '';
    if (this.samples > this.cfg.warmup_samples) {
      let top = -1;
      for (let i = 0; i < STACK_PARTS.length; i++) {
        const k = STACK_PARTS[i]!;
        // A part that keeps alarming in one direction on this series needs a higher score there.
        parts[k] = this.noisy.judge(i, this.falling[i] === 1, parts[k], this.samples);
        if (parts[k] > score) {
          score = parts[k];
          detector = k;
          top = i;
        }
      }
      // Agreement counts only between the two families: parts of one family read the same signal (the
      // CUSUM and variance parts both rise with a run of large residuals) and agree without news.
      let windowMax = 0;
      let residualMax = 0;
      for (let i = 0; i < STACK_PARTS.length; i++) {
        const v = parts[STACK_PARTS[i]!];
        if (IS_WINDOW_PART[i]) windowMax = Math.max(windowMax, v);
        else residualMax = Math.max(residualMax, v);
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
      const persisted = this.persisted(top, topFamily, parts);
      if (score < this.cfg.agreement_below && other < this.cfg.agreement_level && !persisted) {
        score = 0;
        detector = '';
      }
    }
    ({ score, detector } = this.refractory(score, detector));
    return {
      score,
      detector,
      expected: b.expected,
      scale: b.scale,
      z: b.z,
      parts,
      levelShift: cusum.shift !== undefined,
    };
  }

  /**
   * Agreement over time from one part while the window family is not complete (its members learn for
   * hundreds of samples: fuzzy ART from 750, relative entropy from 1200, so a young series' weak residual
   * scores had no one to agree with): a residual part that reached agreement_persist_level on one of the
   * last agreement_persist_samples samples and again now has seen the change twice, not a lone blip. Parts
   * whose scores persist by construction (drift's averages and slopes, flatline's growing run) do not count.
   */
  private persisted(top: number, topFamily: boolean, parts: Record<StackPart, number>): boolean {
    const level = this.cfg.agreement_persist_level;
    if (level <= 0) return false;
    const artReady = !this.cfg.art.enabled || this.art.ready;
    const young = !(artReady && (!this.cfg.relative_entropy.enabled || this.entropy.ready));
    const seen =
      young &&
      top >= 0 &&
      !topFamily &&
      !PERSISTS_BY_ITSELF[top] &&
      parts[STACK_PARTS[top]!] >= level &&
      this.samples - this.lastHigh[top]! <= this.cfg.agreement_persist_samples;
    for (let i = 0; i < STACK_PARTS.length; i++)
      if (parts[STACK_PARTS[i]!] >= level) this.lastHigh[i] = this.samples;
    return seen;
  }

  /**
   * One change, one detection: the samples right after a detection usually score high for the same
   * reason, and each would be read as a new alarm. Inside the refractory period only a score stronger
   * by refractory_margin is reported (by default none: NAB-style scoring, like on-call, counts the first
   * detection of an anomaly and charges every later one that lands outside its window).
   */
  private refractory(score: number, detector: StackPart | ''): { score: number; detector: StackPart | '' } {
    if (this.samples <= this.refractoryUntil) {
      if (score <= this.refractoryLevel + this.cfg.refractory_margin) return { score: 0, detector: '' };
      this.refractoryLevel = score;
      return { score, detector };
    }
    if (score >= this.cfg.refractory_score && this.cfg.refractory_samples > 0) {
      this.refractoryUntil = this.samples + this.cfg.refractory_samples;
      this.refractoryLevel = score;
    }
    return { score, detector };
  }
}
