/**
 * The metric detector stack on one univariate series, streaming: each sample is scored from the samples
 * before it and itself only, in O(1) amortized time (well under a microsecond of arithmetic plus a few
 * small memmoves).
 *
 *   value ─► seasonal baseline ─► z ─┬─► spike (z)              ─► calibrators (up, down) ─┐
 *                  ▲                 ├─► CUSUM run rule (up, down) ─► calibrators (up, down) ─┤
 *                  │                 ├─► variance (RMS, steps)  ─► calibrators (up, down) ─┼─► agreement ─► score
 *                  │                 ├─► drift (gap off; rare level, slopes on) ─► calib. ────┤
 *                  │                 └─► changepoint (BOCPD, off by default) ─► calibrator ┤
 *   value ─► dip and return (a stretch below both sides, in mean steps) ─► calibrator ─────┤ (spike part)
 *   value ─► flatline (run of exact repeats against the series' repeat rate) ─────────────┤
 *   value ─► relative entropy, context novelty, fuzzy ART, spectral residual (off) ─► calibrators ┘
 *                  └──────── confirmed level shift (CUSUM) moves the baseline and the drift averages
 *
 * Agreement: the largest part plus agreement_bonus times the other family's largest part (residual parts,
 * window parts), held over recent samples; a weak score stands only with some support from the other family.
 * Before that, a part that has kept alarming in one direction on this series needs a higher score there
 * (noisy-parts.ts). The fusion of the parts into one score is in fusion.ts.
 *
 * Each raw score is turned into a tail probability against its own recent history (../calibration), so
 * the fused score is 0 for ordinary samples and rises sharply only for what this series rarely does.
 * Rises and drops are calibrated apart. A confirmed level change moves the baseline at once: it is
 * reported when it happens, then the new level is normal (no alarm for hours while an average catches up).
 */
import { ArtDetector } from '../art/art.js';
import type { TailCalibrator } from '../calibration/tail-calibrator.js';
import { ChangepointDetector } from '../changepoint/changepoint.js';
import { ContextualDetector } from '../contextual/contextual.js';
import { ContextNovelty } from '../contextual/novelty.js';
import { NoveltyJudge } from '../contextual/novelty-judge.js';
import { CusumDetector } from '../cusum/cusum.js';
import { DriftDetector } from '../drift/drift.js';
import { DelayLine } from '../drift/delay.js';
import { LevelAverage } from '../drift/level.js';
import { LocalSlope } from '../drift/slope.js';
import { FlatlineDetector } from '../flatline/flatline.js';
import { AnomalyLikelihood } from '../likelihood/likelihood.js';
import { RelativeEntropyDetector } from '../relative-entropy/relative-entropy.js';
import { SeasonalBaseline } from '../seasonal/seasonal.js';
import { SpectralResidual } from '../spectral/spectral-residual.js';
import { BurstJudge } from '../spike/burst-tail.js';
import { DipReturnDetector } from '../spike/dip-return.js';
import { SpikeDetector } from '../spike/spike.js';
import { DailyShape } from '../variance/daily-shape.js';
import { PhaseScale } from '../variance/phase-scale.js';
import { VarianceDetector } from '../variance/variance.js';
import { defaultSeriesStackConfig, type SeriesStackConfig } from './config.js';
import { PartFusion } from './fusion.js';
import {
  PART_INDEX as P,
  STACK_PARTS,
  idle,
  makeCalibrators,
  partsRecord,
  type CalibratorName,
  type SeriesScore,
} from './parts.js';

export { STACK_PARTS, WINDOW_PARTS, type SeriesScore, type StackPart } from './parts.js';

export class SeriesDetector {
  private readonly baseline: SeasonalBaseline;
  private readonly spike: SpikeDetector;
  private readonly cusum: CusumDetector;
  private readonly variance: VarianceDetector;
  private readonly phase: PhaseScale;
  private readonly shape: DailyShape;
  private readonly drift: DriftDetector;
  private readonly level: LevelAverage;
  private readonly slope: LocalSlope;
  private readonly slopeLong: LocalSlope;
  private readonly slopeLongDelay: DelayLine;
  private readonly levelDelay: DelayLine;
  private readonly changepoint: ChangepointDetector;
  private readonly likelihood: AnomalyLikelihood;
  private readonly contextual: ContextualDetector;
  private readonly novelty: ContextNovelty;
  private readonly noveltyJudge: NoveltyJudge;
  private readonly entropy: RelativeEntropyDetector;
  private readonly art: ArtDetector;
  private readonly flatline: FlatlineDetector;
  private readonly spectral: SpectralResidual;
  private readonly dipReturn: DipReturnDetector;
  private readonly cal: Record<CalibratorName, TailCalibrator>;
  private readonly burstsUp: BurstJudge;
  private readonly burstsDown: BurstJudge;
  private readonly fusion: PartFusion;
  /** This sample's calibrated score of each part, indexed like STACK_PARTS (reused from sample to sample). */
  private readonly parts = new Float64Array(STACK_PARTS.length);
  /** Per part, whether its score this sample came from a drop (rises and drops are judged apart). */
  private readonly falling = new Uint8Array(STACK_PARTS.length);
  /** The stack's surprise (its largest calibrated surprise) and whether the last larger() took the drop. */
  private surprise = 0;
  private fell = false;
  private samples = 0;
  private lastMs = -Infinity;
  /** z of the previous sample and of this one (for the return from a lone departure). */
  private prevZ = 0;
  private lastZ = 0;

  constructor(readonly cfg: SeriesStackConfig = defaultSeriesStackConfig) {
    this.baseline = new SeasonalBaseline(cfg.seasonal);
    this.spike = new SpikeDetector(cfg.spike);
    this.cusum = new CusumDetector(cfg.cusum);
    this.variance = new VarianceDetector(cfg.variance);
    this.phase = new PhaseScale(cfg.variance, cfg.calibration);
    this.shape = new DailyShape(cfg.variance, cfg.calibration);
    this.drift = new DriftDetector(cfg.drift);
    this.level = new LevelAverage(cfg.drift.level_alpha);
    this.slope = new LocalSlope(cfg.drift.slope_samples);
    this.slopeLong = new LocalSlope(cfg.drift.slope_long_samples);
    this.slopeLongDelay = new DelayLine(
      Math.round(cfg.drift.slope_long_delay / Math.max(1, cfg.drift.slope_long_stride)),
    );
    this.levelDelay = new DelayLine(
      Math.round(cfg.drift.level_delay / Math.max(1, cfg.drift.level_stride)),
      false,
    );
    this.changepoint = new ChangepointDetector(cfg.changepoint);
    this.likelihood = new AnomalyLikelihood(cfg.likelihood);
    this.contextual = new ContextualDetector(cfg.contextual);
    this.novelty = new ContextNovelty(cfg.contextual);
    this.noveltyJudge = new NoveltyJudge(cfg.contextual, cfg.return_departure);
    this.entropy = new RelativeEntropyDetector(cfg.relative_entropy);
    this.art = new ArtDetector(cfg.art);
    this.spectral = new SpectralResidual(cfg.spectral);
    this.dipReturn = new DipReturnDetector(
      cfg.spike.dip_return_samples,
      cfg.spike.dip_return_step_alpha,
      cfg.spike.dip_return_edge_z,
    );
    this.flatline = new FlatlineDetector(cfg.flatline, cfg.calibration, cfg.refractory_score);
    this.burstsUp = new BurstJudge(cfg.spike, cfg.calibration, cfg.calibration_start);
    this.burstsDown = new BurstJudge(cfg.spike, cfg.calibration, cfg.calibration_start);
    this.fusion = new PartFusion(cfg);
    this.cal = makeCalibrators(cfg);
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
    const spectralRaw = this.spectral.update(value, b.z);
    // Judged by its own repeat rate, not calibrated again: its score is already a tail probability.
    const flatline = this.flatline.update(value);
    const cusum = this.cusum.update(b.z, residual);
    const varianceRaw = this.variance.update(b.z, value, b.scale);
    const phaseRaw = this.phase.update(timeMs, residual);
    const shapeRaw = this.shape.update(timeMs, value, this.baseline.samplesPerDay, b.cycle !== 0);
    const driftRaw = this.drift.update(b.deseasonalized, b.scale);
    const level = this.level.update(b.deseasonalized);
    const slope =
      this.cfg.drift.slope_samples > 0 ? this.slope.update(b.deseasonalized, b.scale, b.cycle) : NaN;
    const slopeLong =
      this.cfg.drift.slope_long_samples > 0 ? this.slopeLong.update(b.deseasonalized, b.scale, b.cycle) : NaN;
    // The changepoint model sees the cycle removed and spikes clipped: a lone spike is the spike
    // part's business, a new regime is its own.
    const changeRaw = this.changepoint.update(b.deseasonalized, b.level, b.scale * b.scale);
    if (cusum.shift !== undefined) {
      this.baseline.shiftLevel(cusum.shift);
      this.drift.shift(cusum.shift);
    }

    const parts = this.parts;
    parts.fill(0);
    if (this.samples > this.cfg.calibration_start) {
      const cal = this.cal;
      this.surprise = 0;
      const falling = this.falling;
      falling.fill(0);
      // A spike no larger than a burst this series has already produced is as rare as such bursts were,
      // and no rarer than the tail of its past excursions makes it (burst-tail.ts).
      const up = Math.max(spikeRaw.z, 0);
      const down = Math.max(-spikeRaw.z, 0);
      const zUp = this.burstsUp.judge(cal.spikeUp.update(up), up, this.samples);
      const zDown = this.burstsDown.judge(cal.spikeDown.update(down), down, this.samples);
      parts[P.spike] = this.larger(zUp.score, zUp.surprise, zDown.score, zDown.surprise);
      falling[P.spike] = b.z < 0 ? 1 : 0;
      if (!Number.isNaN(spikeRaw.stepped)) {
        // A spike must be unusual both as a departure and as a jump, each judged by its own history.
        const sUp = cal.stepUp.updateScore(Math.max(spikeRaw.stepped, 0));
        const sDown = cal.stepDown.updateScore(Math.max(-spikeRaw.stepped, 0));
        parts[P.spike] = this.cfg.spike.step_gate
          ? Math.max(sUp > 0 ? zUp.score : 0, sDown > 0 ? zDown.score : 0)
          : Math.max(Math.min(zUp.score, sUp), Math.min(zDown.score, sDown));
      }
      // A short dip that comes back up, on series whose drops usually do not (see dip-return.ts).
      if (this.cfg.spike.dip_return_samples > 0) {
        const dip = cal.dipReturn.updateScore(dipRaw);
        if (this.samples > this.cfg.spike.dip_return_warmup && dip > parts[P.spike]!) {
          parts[P.spike] = dip;
          falling[P.spike] = 1;
        }
      }
      parts[P.level_shift] = this.both(cal.cusumUp, cusum.sustainedUp, cal.cusumDown, cusum.sustainedDown);
      falling[P.level_shift] = this.fell ? 1 : 0;
      parts[P.variance] = this.both(cal.variance, varianceRaw.up, cal.varianceDown, varianceRaw.down);
      falling[P.variance] = this.fell ? 1 : 0;
      // The residual against its own hour's usual error and spread (phase-scale.ts).
      const phased = this.phase.judge(phaseRaw, this.samples);
      if (phased.score > parts[P.variance]!) {
        parts[P.variance] = phased.score;
        falling[P.variance] = 0;
      }
      const ratio = cal.stepRatio.updateScore(varianceRaw.ratio);
      if (ratio > parts[P.variance]!) {
        parts[P.variance] = ratio;
        falling[P.variance] = 0;
      }
      parts[P.drift] = this.both(cal.driftUp, Math.max(driftRaw, 0), cal.driftDown, Math.max(-driftRaw, 0));
      falling[P.drift] = this.fell ? 1 : 0;
      if (this.cfg.drift.level_enabled) {
        // A level this series has rarely held: judged every sample, one level in level_stride remembered.
        let learn = this.samples % this.cfg.drift.level_stride === 0;
        // Remembered level_delay samples later (at once while a detection's refractory period runs), so a
        // climb to a new level is judged against the levels held before it, not against its own start.
        if (
          learn &&
          this.levelDelay.defer(level, cal.levelUp, cal.levelDown, this.fusion.refractory(this.samples))
        )
          learn = false;
        const counts = this.samples > this.cfg.drift.level_warmup;
        // A level neither remembered nor able to count is not judged (unless the likelihood reads it).
        if (learn || counts || this.cfg.likelihood.enabled) {
          const rare = this.both(cal.levelUp, level, cal.levelDown, -level, learn);
          // With level_agree, a rare level counts only while the short slope still climbs towards it.
          const moving = this.cfg.drift.level_agree ? slope * (this.fell ? -1 : 1) : NaN;
          if (counts && !(moving < this.cfg.drift.slope_min) && rare > parts[P.drift]!) {
            parts[P.drift] = rare;
            falling[P.drift] = this.fell ? 1 : 0;
          }
        }
      }
      // A slope this series has rarely made: over slope_samples, and over a window about three times
      // longer (a slow ramp the short window cannot tell from wobble), each against its own history.
      this.slopePart(
        slope,
        cal.slopeUp,
        cal.slopeDown,
        this.cfg.drift.slope_stride,
        this.cfg.drift.slope_min,
      );
      this.slopePart(
        slopeLong,
        cal.slopeLongUp,
        cal.slopeLongDown,
        this.cfg.drift.slope_long_stride,
        this.cfg.drift.slope_long_min,
        this.slopeLongDelay,
        this.cfg.drift.slope_long_agree ? slope : NaN,
      );
      // A changed daily shape (daily-shape.ts): its score persists by construction, as the drift part's do.
      const shaped = this.shape.judge(shapeRaw, this.samples, timeMs, this.fusion.refractory(this.samples));
      if (shaped > parts[P.drift]!) {
        parts[P.drift] = shaped;
        falling[P.drift] = 0;
      }
      parts[P.changepoint] = cal.changepoint.updateScore(changeRaw);
      if (this.cfg.changepoint.enabled) this.surprise = Math.max(this.surprise, cal.changepoint.lastSurprise);
      // NaN (still learning) is neither judged nor remembered by the calibrators.
      const ctx = cal.contextual.updateScore(contextRaw);
      if (this.contextual.ready) parts[P.contextual] = ctx * this.cfg.contextual.weight;
      // Context novelty (CAD-OSE idea) joins the contextual part: share of recent contexts never seen,
      // remembered late, quiet just after a departure (novelty-judge.ts).
      const fresh =
        this.noveltyJudge.score(
          cal.novelty,
          noveltyRaw,
          b.z,
          this.samples,
          this.fusion.refractory(this.samples),
        ) * this.cfg.contextual.weight;
      if (this.novelty.counted(noveltyRaw, this.samples) && fresh > parts[P.contextual]!)
        parts[P.contextual] = fresh;
      // Its raw scores move slowly (a window's worth of samples each), so its calibration history learns
      // one in calibration_stride: the same memory then spans that many times more windows.
      const learnEntropy = this.samples % this.cfg.relative_entropy.calibration_stride === 0;
      if (learnEntropy || this.entropy.ready) {
        const ent = learnEntropy
          ? cal.entropy.updateScore(entropyRaw)
          : cal.entropy.calibrateScore(entropyRaw);
        if (this.entropy.ready) parts[P.relative_entropy] = ent * this.cfg.relative_entropy.weight;
      }
      const art = cal.art.updateScore(artRaw);
      if (this.art.ready) parts[P.art] = art * this.cfg.art.weight;
      // A lone departure seen again: the fuzzy ART window still holds the previous sample, a departure
      // the residual parts have already judged, while this sample is ordinary again (a burst ending).
      const d = this.cfg.return_departure;
      if (d > 0 && Math.abs(this.prevZ) > d && Math.abs(b.z) < this.cfg.return_ordinary) parts[P.art] = 0;
      parts[P.flatline] = flatline;
      // Spectral residual: one transform every few samples, scored on that sample (NaN on the others).
      if (!Number.isNaN(spectralRaw)) {
        const sr = cal.spectral.updateScore(spectralRaw);
        const dz = this.cfg.spectral.departure_z;
        const departed = dz > 0 && this.spectral.departureZ > dz;
        if (this.spectral.ready && !departed) {
          parts[P.spectral] = sr * this.cfg.spectral.weight;
          falling[P.spectral] = this.spectral.falling ? 1 : 0;
        }
      }
      if (this.cfg.likelihood.enabled) parts[P.likelihood] = this.likelihood.update(this.surprise).score;
    }
    const score = this.fusion.fuse(parts, this.falling, this.samples, this.windowsYoung());
    return {
      score,
      detector: this.fusion.detector,
      expected: b.expected,
      scale: b.scale,
      z: b.z,
      parts: partsRecord(parts),
      levelShift: cusum.shift !== undefined,
    };
  }

  /**
   * One horizon's slope joins the drift part: rises and falls judged apart, a slope shallower than `min`
   * never counts. Judged every sample, one in `stride` remembered (neighbouring slopes share most of their
   * window, and a ramp then feeds the history slowly); a slope neither remembered nor steep enough to count
   * is not judged, unless the likelihood reads the stack's surprise.
   */
  private slopePart(
    slope: number,
    up: TailCalibrator,
    down: TailCalibrator,
    stride: number,
    min: number,
    delay?: DelayLine,
    agree = NaN,
  ): void {
    if (Number.isNaN(slope)) return;
    let learn = this.samples % stride === 0;
    // Remembered only after the delay, so a ramp is judged against the slopes made before it rather than
    // against its own first slopes. Once a detection is reported the change is the new normal: what waits
    // is learned at once, and so is each slope until the refractory period ends.
    if (learn && delay?.defer(slope, up, down, this.fusion.refractory(this.samples))) learn = false;
    // With `agree` (the short slope), a long slope counts only while the short one still goes the same way
    // by its own minimum (slope_min): a step back after a drift, which the short window has passed, or a
    // ramp that has ended no longer counts. NaN: no condition.
    const counts = Math.abs(slope) >= min && !(agree * Math.sign(slope) < this.cfg.drift.slope_min);
    if (!learn && !counts && !this.cfg.likelihood.enabled) return;
    const steep = this.both(up, Math.max(slope, 0), down, Math.max(-slope, 0), learn);
    if (counts && steep > this.parts[P.drift]!) {
      this.parts[P.drift] = steep;
      this.falling[P.drift] = this.fell ? 1 : 0;
    }
  }

  /** A part's two directions judged by their calibrators, learned with `learn`: the larger (larger()). */
  private both(up: TailCalibrator, rise: number, down: TailCalibrator, drop: number, learn = true): number {
    const x = learn ? up.updateScore(rise) : up.calibrateScore(rise);
    const y = learn ? down.updateScore(drop) : down.calibrateScore(drop);
    return this.larger(x, up.lastSurprise, y, down.lastSurprise);
  }

  /**
   * The larger score of a part's two directions (x rises, y drops); notes whether the drop gave it and
   * raises the stack's surprise (the largest of its calibrated parts, which feeds the anomaly likelihood).
   */
  private larger(x: number, xSurprise: number, y: number, ySurprise: number): number {
    this.surprise = Math.max(this.surprise, xSurprise, ySurprise);
    this.fell = y > x;
    return Math.max(x, y);
  }

  /** The window family is still learning: fuzzy ART or relative entropy (when on) not yet ready. */
  private windowsYoung(): boolean {
    const artReady = !this.cfg.art.enabled || this.art.ready;
    return !(artReady && (!this.cfg.relative_entropy.enabled || this.entropy.ready));
  }
}
