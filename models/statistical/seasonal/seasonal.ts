/**
 * A robust Holt-Winters-like baseline: the value expected at a timestamp, and the scale of ordinary
 * departures from it. Everything else in the metric stack judges residuals against this.
 *
 * - The period is inferred from the timestamps (median spacing of the first samples): a daily cycle when
 *   there are at least 4 samples a day, a weekly one once two weeks were seen (and the weekly model is
 *   clearly better). Phases come from the clock time, not the row count, so gaps do not shift the cycle;
 *   sampling finer than `max_phases` per cycle shares bins.
 * - Three forecasters run side by side and are compared online by mean absolute error: level only,
 *   level + daily offsets, level + weekly offsets. The best one (seasonal only when it wins by
 *   `min_seasonal_gain`) predicts. A seasonal model that explains nothing is never used, so flat noisy
 *   series are not made noisier by half-learned phase offsets.
 * - Residuals are clipped before they update anything, so a spike never drags the baseline; real level
 *   changes are applied through shiftLevel() by the change-point detector, which sees them first.
 */
import type { SeasonalConfig } from './config.js';

const DAY_MS = 86_400_000;
const INFER_SAMPLES = 16;
/** Mean absolute deviation of a normal is sigma * sqrt(2/pi). */
const MAD_TO_SIGMA = 1.2533;

export interface BaselineOutput {
  /** Value expected before seeing this sample. */
  expected: number;
  /** Scale (about one standard deviation) of ordinary residuals, before this sample. */
  scale: number;
  /** (value - expected) / scale. */
  z: number;
  /** Level of the active model before this sample. */
  level: number;
  /**
   * This sample with the cycle removed and spikes clipped, using the best ready seasonal candidate even
   * when it does not win one-step forecasting (long-horizon comparisons such as drift need the cycle
   * removed more than they need the sharpest forecast).
   */
  deseasonalized: number;
  /** Which model predicted: 0 level only, 1 daily, 7 weekly. */
  model: 0 | 1 | 7;
  /** Which candidate removed the cycle from `deseasonalized` (it changes when a cycle becomes ready). */
  cycle: 0 | 1 | 7;
}

/** One Holt-Winters candidate: its own level plus per-phase offsets (no offsets = level only). */
class Candidate {
  readonly offsets: Float64Array;
  readonly seen: Uint16Array;
  readonly levelAlpha: number;
  level = NaN;
  visited = 0;
  /** EW mean absolute error of its one-step forecasts (clipped), the basis of model choice. */
  mae = 0;
  /** The last time asked for and its phase. */
  private phaseOf = NaN;
  private lastPhase = -1;

  constructor(
    readonly periodMs: number,
    readonly phases: number,
    readonly startMs: number,
    /** Full cycles seen before its offsets are compared with the other candidates. */
    readonly readyCycles = 2,
  ) {
    this.offsets = new Float64Array(phases);
    this.seen = new Uint16Array(phases);
    this.levelAlpha = phases > 0 ? 1 / phases : 1;
  }
  phase(timeMs: number): number {
    if (this.phases === 0) return -1;
    // A sample asks for its phase several times (judged, then learned): two float modulos each time.
    if (timeMs === this.phaseOf) return this.lastPhase;
    const r = ((timeMs % this.periodMs) + this.periodMs) % this.periodMs;
    this.phaseOf = timeMs;
    this.lastPhase = Math.min(this.phases - 1, Math.floor((r / this.periodMs) * this.phases));
    return this.lastPhase;
  }
  offsetAt(p: number): number {
    return p >= 0 && this.seen[p] ? this.offsets[p]! : 0;
  }
  predict(timeMs: number): number {
    return this.level + this.offsetAt(this.phase(timeMs));
  }
  /** readyCycles full cycles seen: offsets are trustworthy enough to compare. */
  ready(timeMs: number): boolean {
    return (
      this.phases === 0 ||
      (timeMs - this.startMs >= this.readyCycles * this.periodMs && this.visited >= this.phases * 0.8)
    );
  }
}

export class SeasonalBaseline {
  private absDev = 0;
  private n = 0;
  private readonly deltas: number[] = [];
  private lastMs = NaN;
  private readonly flat: Candidate;
  private daily: Candidate | undefined;
  private weekly: Candidate | undefined;
  private inferred = false;
  private perDay = 0;
  private active: Candidate;
  private model: 0 | 1 | 7 = 0;

  constructor(private readonly cfg: SeasonalConfig) {
    this.flat = new Candidate(1, 0, 0);
    this.active = this.flat;
  }

  /** Samples per day inferred from the timestamps (0 while unknown or not seasonal). */
  get samplesPerDay(): number {
    return this.perDay;
  }
  get activeModel(): 0 | 1 | 7 {
    return this.model;
  }

  /** Value expected at timeMs under the active model. */
  expectedAt(timeMs: number): number {
    return this.active.predict(timeMs);
  }

  get currentScale(): number {
    return this.floorScale(this.absDev * MAD_TO_SIGMA);
  }

  /** Judge one sample against the baseline, then learn from it. */
  observe(timeMs: number, value: number): BaselineOutput {
    if (this.n === 0) {
      this.flat.level = value;
      this.n = 1;
      this.lastMs = timeMs;
      return {
        expected: value,
        level: value,
        deseasonalized: value,
        scale: this.floorScale(0),
        z: 0,
        model: 0,
        cycle: 0,
      };
    }
    this.trackSpacing(timeMs, value);
    const expected = this.expectedAt(timeMs);
    const scale = this.currentScale;
    const z = (value - expected) / scale;
    const seasonal = this.bestSeasonal(timeMs) ?? this.active;
    const clip = this.cfg.clip_sigmas * scale;
    const deseasonalized = seasonal.level + clampTo(value - seasonal.predict(timeMs), clip);
    const out: BaselineOutput = {
      expected,
      level: this.active.level,
      deseasonalized,
      scale,
      z,
      model: this.model,
      cycle: seasonal === this.weekly ? 7 : seasonal === this.daily ? 1 : 0,
    };
    this.learn(timeMs, value, scale);
    return out;
  }

  /** Move every level by delta (a confirmed level shift): the baseline adapts at once instead of slowly. */
  shiftLevel(delta: number): void {
    if (!Number.isFinite(delta)) return;
    this.flat.level += delta;
    if (this.daily) this.daily.level += delta;
    if (this.weekly) this.weekly.level += delta;
  }

  private learn(timeMs: number, value: number, scale: number): void {
    const cfg = this.cfg;
    const clip = cfg.clip_sigmas * scale;
    // Scale from the active model's residual, before any candidate learns (out-of-sample).
    const activeResidual = clampTo(value - this.active.predict(timeMs), clip);
    this.absDev =
      this.n < 10
        ? this.absDev + (Math.abs(activeResidual) - this.absDev) / this.n
        : this.absDev + cfg.scale_alpha * (Math.abs(activeResidual) - this.absDev);
    // Before the first cycles are known the level must follow the data closely, or offsets start biased.
    const alpha = this.n < 20 ? Math.max(cfg.level_alpha, 1 / (this.n + 1)) : cfg.level_alpha;
    const maeAlpha = 2 / (1 + Math.max(50, this.samplesPerDay || 50));
    // One candidate at a time, not a loop over a fresh array of them (this runs on every sample).
    this.learnCandidate(this.flat, timeMs, value, clip, alpha, maeAlpha);
    if (this.daily) this.learnCandidate(this.daily, timeMs, value, clip, alpha, maeAlpha);
    if (this.weekly) this.learnCandidate(this.weekly, timeMs, value, clip, alpha, maeAlpha);
    this.n++;
    this.chooseModel(timeMs);
  }

  /** One candidate learns the sample: its error, its level, and the offset of the sample's phase. */
  private learnCandidate(
    c: Candidate,
    timeMs: number,
    value: number,
    clip: number,
    alpha: number,
    maeAlpha: number,
  ): void {
    const cfg = this.cfg;
    const p = c.phase(timeMs);
    const visits = p < 0 ? 0 : c.seen[p]!;
    const r = clampTo(value - c.predict(timeMs), clip);
    // Unknown phases predict with the level only: count the error so an unready model is not favoured.
    c.mae += maeAlpha * (Math.abs(r) - c.mae);
    // A seasonal level must move slowly against its cycle, or it swallows the cycle and the offsets stay empty.
    c.level += (c.phases > 0 ? Math.min(alpha, c.levelAlpha) : alpha) * r;
    if (p < 0) return;
    if (visits === 0) {
      c.offsets[p] = value - c.level;
      c.visited++;
    } else {
      // A running mean over the first visits (a fair start), exponential forgetting after that.
      const gamma = Math.max(cfg.season_gamma, 1 / (visits + 1));
      c.offsets[p] = c.offsets[p]! + gamma * clampTo(value - c.level - c.offsets[p]!, clip);
    }
    if (visits < 65_535) c.seen[p] = visits + 1;
  }

  private bestSeasonal(timeMs: number): Candidate | undefined {
    const d = this.daily?.ready(timeMs) ? this.daily : undefined;
    const w = this.weekly?.ready(timeMs) ? this.weekly : undefined;
    if (d && w) return w.mae < d.mae ? w : d;
    return d ?? w;
  }

  private chooseModel(timeMs: number): void {
    const gain = 1 - this.cfg.min_seasonal_gain;
    let best: Candidate = this.flat;
    let model: 0 | 1 | 7 = 0;
    if (this.daily?.ready(timeMs) && this.daily.mae < gain * best.mae) {
      best = this.daily;
      model = 1;
    }
    if (this.weekly?.ready(timeMs) && this.weekly.mae < gain * best.mae) {
      best = this.weekly;
      model = 7;
    }
    this.active = best;
    this.model = model;
  }

  private trackSpacing(timeMs: number, value: number): void {
    const d = timeMs - this.lastMs;
    this.lastMs = timeMs;
    if (this.inferred || !this.cfg.enabled) return;
    if (d > 0 && Number.isFinite(d)) this.deltas.push(d);
    if (this.deltas.length < INFER_SAMPLES) return;
    this.inferred = true;
    const dt = this.medianDelta();
    const perDay = DAY_MS / dt;
    // Fewer than 4 samples a day cannot show a daily shape.
    if (!(perDay >= 4)) return;
    const level = Number.isFinite(this.flat.level) ? this.flat.level : value;
    this.perDay = Math.round(perDay);
    this.daily = new Candidate(
      DAY_MS,
      Math.min(this.cfg.max_phases, Math.round(perDay)),
      timeMs,
      this.cfg.daily_ready_days,
    );
    this.daily.level = level;
    this.daily.mae = this.flat.mae;
    if (this.cfg.weekly) {
      this.weekly = new Candidate(7 * DAY_MS, Math.min(this.cfg.max_phases, Math.round(perDay * 7)), timeMs);
      this.weekly.level = level;
      this.weekly.mae = this.flat.mae;
    }
  }

  private medianDelta(): number {
    if (this.deltas.length === 0) return NaN;
    const sorted = [...this.deltas].sort((x, y) => x - y);
    return sorted[sorted.length >> 1]!;
  }

  /** A flat series still needs a non-zero scale: relative to the level, never exactly 0. */
  private floorScale(s: number): number {
    const floor = Math.max(Math.abs(this.flat.level) * 1e-4, 1e-9);
    return Number.isFinite(s) && s > floor ? s : floor;
  }
}

function clampTo(r: number, c: number): number {
  return r > c ? c : r < -c ? -c : r;
}
