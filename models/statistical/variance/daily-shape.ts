/**
 * Daily shape: notices when the shape of a series' day changes (its peak moves by hours, its swing grows),
 * which the seasonal baseline hides. On most seasonal series its level-only model wins one-step forecasting
 * and follows the day through confirmed level shifts, and the daily candidate's level is moved by those
 * shifts too: a changed shape becomes a run of ordinary-looking level shifts, and the residuals never look
 * large.
 *
 * Here the value is compared with its own slow level (an average over about one day, which no level shift
 * moves) per clock-time bin of the day (a PhaseScale of its own: each bin's usual offset from the slow level
 * and its spread, learned over days). The short RMS of that phase-normalized value rises when the series
 * does at some hours what it did not do there on earlier days; its calibrator learns each RMS `shape_delay`
 * samples late (at once while a detection is fresh, when the change is the new normal), so a new shape is
 * judged against the days before it rather than against its own first hours.
 *
 * It counts only on a series with a daily candidate, after `shape_start_days` days (a first weekend is a new
 * shape too), and while the learned profile is clear (`shape_min_strength`: the spread of the bins' average
 * offsets against their own spread; near 0 on series without a daily shape, whose bins differ by chance).
 */
import type { CalibrationConfig } from '../calibration/config.js';
import type { VarianceConfig } from './config.js';
import { PhaseScale } from './phase-scale.js';

const DAY_MS = 86_400_000;
/** Samples between two readings of the profile's strength (it moves by days). */
const STRENGTH_EVERY = 16;

export class DailyShape {
  private readonly phase: PhaseScale;
  private readonly enabled: boolean;
  private readonly startMs: number;
  private readonly minStrength: number;
  private level = NaN;
  private firstMs = NaN;
  private strength = 0;

  constructor(cfg: VarianceConfig, calibration: CalibrationConfig) {
    this.enabled = cfg.shape_enabled && cfg.phase_bins > 0;
    const stride = Math.max(1, cfg.phase_stride);
    this.phase = new PhaseScale(cfg, calibration, Math.round(cfg.shape_delay / stride));
    this.startMs = cfg.shape_start_days * DAY_MS;
    this.minStrength = cfg.shape_min_strength;
  }

  /**
   * The short RMS of this sample's phase-normalized offset from the slow level (NaN while not judged).
   * `samplesPerDay`: the series' typical samples a day (0: unknown); `cycle`: a daily or weekly candidate
   * of the baseline is ready (the series is sampled finely enough to have a shape).
   */
  update(timeMs: number, value: number, samplesPerDay: number, cycle: boolean): number {
    if (!this.enabled) return NaN;
    if (Number.isNaN(this.firstMs)) this.firstMs = timeMs;
    if (Number.isNaN(this.level)) this.level = value;
    else this.level += (value - this.level) / Math.max(1, samplesPerDay);
    return cycle ? this.phase.update(timeMs, value - this.level) : NaN;
  }

  /** The raw RMS calibrated (0 while it does not count); `flush`: a detection's refractory period runs. */
  judge(raw: number, sample: number, timeMs: number, flush: boolean): number {
    if (!this.enabled) return 0;
    if (sample % STRENGTH_EVERY === 0) this.strength = this.phase.profileStrength();
    const counts = timeMs - this.firstMs >= this.startMs && this.strength >= this.minStrength;
    // While it does not count, its history learns without the calibrator's judging.
    const out = this.phase.judge(raw, sample, flush, counts);
    return counts && !Number.isNaN(raw) ? out.score : 0;
  }
}
