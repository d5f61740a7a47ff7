/**
 * The residual judged by its own hour of day: per phase of the day (`bins` clock-time bins), an average
 * of the baseline's residual there and of its square, so each phase has its own usual error and spread.
 * A daily batch run the baseline misjudges at its edges, a rush hour noisier than the night: their
 * residuals are large every day at the same hours, which fills the global scale and the variance part's
 * history with daily bumps and hides a series turning jittery (or changing its daily shape) at the
 * quiet hours. Normalized per phase, the residual is about 1 at every hour; the short RMS of it rises
 * when the series departs from what it usually does at that hour.
 *
 * Raw score: the short RMS (smoothing `shortAlpha`) of the phase-normalized residual, each clipped at
 * `clip`; NaN until the sample's phase has `minCount` residuals learned. Each day's visit to a phase weighs
 * `alpha` in its averages (a phase visited k times a day learns each residual with alpha / k, k from the
 * series' typical spacing), so the phases of a 1-minute and of an hourly series both remember about 1 /
 * alpha days. Streaming, a few numbers per bin.
 */
import type { CalibrationConfig } from '../calibration/config.js';
import { TailCalibrator, type Calibrated } from '../calibration/tail-calibrator.js';
import { DelayLine } from '../drift/delay.js';
import type { VarianceConfig } from './config.js';

const DAY_MS = 86_400_000;
const ORDINARY: Calibrated = Object.freeze({ tail: 1, surprise: 0, score: 0 });

export class PhaseScale {
  private readonly mean: Float64Array;
  private readonly sq: Float64Array;
  private readonly count: Int32Array;
  private ms = 1;
  private lastMs = NaN;
  private gapMs = NaN;
  private readonly bins: number;
  private readonly alpha: number;
  private readonly shortAlpha: number;
  private readonly clip: number;
  private readonly minCount: number;
  private readonly stride: number;
  private readonly calibrator: TailCalibrator;
  /** Raw scores at or below this are ordinary for the calibrator (its 98th percentile). */
  private ordinaryUpTo = -Infinity;
  /** Whether 2 % is below the calibration's floor (the shortcut above is exact). */
  private readonly skip: boolean;

  /** Raw scores waiting to be learned by the calibrator (capacity 0: learned at once). */
  private readonly delay: DelayLine;

  /** `delay`: learned raw scores (one in phase_stride) each waits before its calibrator learns it. */
  constructor(cfg: VarianceConfig, calibration: CalibrationConfig, delay = 0) {
    this.delay = new DelayLine(delay);
    this.bins = cfg.phase_bins;
    this.alpha = cfg.phase_alpha;
    this.shortAlpha = cfg.phase_short_alpha;
    this.clip = cfg.phase_clip;
    this.minCount = cfg.phase_min_count;
    this.stride = cfg.phase_stride;
    this.calibrator = new TailCalibrator(calibration);
    this.skip = calibration.surprise_floor >= -Math.log10(0.02);
    this.mean = new Float64Array(this.bins);
    this.sq = new Float64Array(this.bins);
    this.count = new Int32Array(this.bins);
  }

  /**
   * The raw score calibrated against its own history (NaN: zero); one raw score in `phase_stride` is
   * learned (the RMS moves slowly, so the same memory costs less), every one is judged (unless `judged`
   * is false: learned alone, scored 0). `flush`: what waits for the delay is learned at once, and so is raw.
   */
  judge(raw: number, sample: number, flush = false, judged = true): Calibrated {
    const c = this.calibrator;
    if (sample % this.stride === 0) {
      const q = this.delay;
      let out: Calibrated;
      if (q.capacity > 0 && !flush) {
        // Learned `delay` learned values later: a change is judged against what came before it.
        if (q.full) c.update(q.shift());
        q.push(raw);
        out = Number.isNaN(raw) || !judged ? ORDINARY : c.calibrate(raw);
      } else {
        // A detection was reported (flush): what waits is the new normal, learned at once.
        while (!q.empty) c.update(q.shift());
        out = c.update(raw);
      }
      if (this.skip) this.ordinaryUpTo = c.size > 0 ? c.quantile(0.98) : -Infinity;
      return out;
    }
    // At or below the history's 98th percentile at least 2 % of it lies at or above: surprise under 1.7,
    // below the calibration's floor, so the score is 0 without the calibrator's work.
    return raw <= this.ordinaryUpTo || Number.isNaN(raw) || !judged ? ORDINARY : c.calibrate(raw);
  }

  /**
   * How clear the daily profile is: the spread of the phases' average residuals against the phases'
   * average spread (0 until two phases have learned two residuals); near 0 on a series without a daily shape.
   */
  profileStrength(): number {
    let n = 0;
    let sum = 0;
    let sum2 = 0;
    let within = 0;
    for (let p = 0; p < this.bins; p++) {
      if (this.count[p]! < 2) continue;
      const m = this.mean[p]!;
      n++;
      sum += m;
      sum2 += m * m;
      within += Math.max(this.sq[p]! - m * m, 0);
    }
    if (n < 2 || !(within > 0)) return 0;
    const between = sum2 / n - (sum / n) * (sum / n);
    return Math.sqrt(Math.max(between, 0) / (within / n));
  }

  /** The short RMS of phase-normalized residuals after this one (NaN while its phase learns). */
  update(timeMs: number, residual: number): number {
    if (this.bins <= 0 || !Number.isFinite(residual)) return NaN;
    const day = ((timeMs % DAY_MS) + DAY_MS) % DAY_MS;
    const p = Math.min(this.bins - 1, Math.floor((day / DAY_MS) * this.bins));
    const n = this.count[p]!;
    const m = this.mean[p]!;
    const sd = Math.sqrt(Math.max(this.sq[p]! - m * m, 0));
    let out = NaN;
    let dev = residual - m;
    if (n >= this.minCount && sd > 0) {
      const r = dev / sd;
      const c = r > this.clip ? this.clip : r < -this.clip ? -this.clip : r;
      this.ms += this.shortAlpha * (c * c - this.ms);
      out = Math.sqrt(this.ms);
      // A burst teaches its phase no more than clip spreads' worth (it must not hide itself).
      const lim = this.clip * sd;
      dev = dev > lim ? lim : dev < -lim ? -lim : dev;
    }
    // Typical spacing (a gap counts at most 4 typical ones: outages do not stretch it), hence the samples
    // a phase gets a day; young bins learn as plain averages, then with weight alpha per day.
    if (Number.isFinite(this.lastMs) && timeMs > this.lastMs) {
      const g = timeMs - this.lastMs;
      this.gapMs = Number.isNaN(this.gapMs)
        ? g
        : this.gapMs + 0.01 * (Math.min(g, 4 * this.gapMs) - this.gapMs);
    }
    this.lastMs = timeMs;
    const perDay = this.gapMs > 0 ? Math.max(1, DAY_MS / this.gapMs / this.bins) : 1;
    const alpha = this.alpha / perDay;
    const a = n < 1 / alpha ? 1 / (n + 1) : alpha;
    const x = m + dev;
    this.mean[p] = m + a * (x - m);
    this.sq[p] = this.sq[p]! + a * (x * x - this.sq[p]!);
    this.count[p] = n + 1;
    return out;
  }
}
