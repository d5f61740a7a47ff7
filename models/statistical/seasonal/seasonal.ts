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
  /** Which model predicted: 0 level only, 1 daily, 7 weekly. */
  model: 0 | 1 | 7;
}

class Cycle {
  readonly offsets: Float64Array;
  readonly seen: Uint8Array;
  readonly startMs: number;
  visited = 0;
  /** EW mean absolute error of level + offsets. */
  mae = 0;

  constructor(
    readonly periodMs: number,
    readonly phases: number,
    firstMs: number,
  ) {
    this.offsets = new Float64Array(phases);
    this.seen = new Uint8Array(phases);
    this.startMs = firstMs;
  }
  phase(timeMs: number): number {
    const r = ((timeMs % this.periodMs) + this.periodMs) % this.periodMs;
    return Math.min(this.phases - 1, Math.floor((r / this.periodMs) * this.phases));
  }
  /** Two full cycles seen: offsets are trustworthy enough to compare. */
  ready(timeMs: number): boolean {
    return timeMs - this.startMs >= 2 * this.periodMs && this.visited >= this.phases * 0.8;
  }
}

export class SeasonalBaseline {
  private level = NaN;
  private absDev = 0;
  private levelMae = 0;
  private n = 0;
  private readonly deltas: number[] = [];
  private lastMs = NaN;
  private daily: Cycle | undefined;
  private weekly: Cycle | undefined;
  private inferred = false;
  private model: 0 | 1 | 7 = 0;

  constructor(private readonly cfg: SeasonalConfig) {}

  /** Samples per day inferred from the timestamps (0 while unknown or not seasonal). */
  get samplesPerDay(): number {
    return this.daily ? Math.round(DAY_MS / this.medianDelta()) : 0;
  }
  get activeModel(): 0 | 1 | 7 {
    return this.model;
  }
  get count(): number {
    return this.n;
  }

  /** Value expected at timeMs under the active model. */
  expectedAt(timeMs: number): number {
    const cycle = this.model === 7 ? this.weekly : this.model === 1 ? this.daily : undefined;
    if (!cycle) return this.level;
    const p = cycle.phase(timeMs);
    return cycle.seen[p] ? this.level + cycle.offsets[p]! : this.level;
  }

  get currentScale(): number {
    return this.floorScale(this.absDev * MAD_TO_SIGMA);
  }

  /** Judge one sample against the baseline, then learn from it. */
  observe(timeMs: number, value: number): BaselineOutput {
    if (this.n === 0) {
      this.level = value;
      this.absDev = 0;
      this.n = 1;
      this.lastMs = timeMs;
      return { expected: value, scale: this.floorScale(0), z: 0, model: 0 };
    }
    this.trackSpacing(timeMs);
    const expected = this.expectedAt(timeMs);
    const scale = this.currentScale;
    const residual = value - expected;
    const z = residual / scale;
    const out: BaselineOutput = { expected, scale, z, model: this.model };
    this.learn(timeMs, value, scale);
    return out;
  }

  /** Move the level by delta (a confirmed level shift): the baseline adapts at once instead of slowly. */
  shiftLevel(delta: number): void {
    if (Number.isFinite(delta)) this.level += delta;
  }

  private learn(timeMs: number, value: number, scale: number): void {
    const cfg = this.cfg;
    const clip = cfg.clip_sigmas * scale;
    const clamp = (r: number): number => (r > clip ? clip : r < -clip ? -clip : r);
    // Errors of each candidate model before learning (a fair, out-of-sample comparison).
    const a = 2 / (1 + Math.max(50, this.samplesPerDay || 50));
    const levelErr = Math.abs(clamp(value - this.level));
    this.levelMae += a * (levelErr - this.levelMae);
    const daily = this.daily;
    const weekly = this.weekly;
    let dailyPhase = -1;
    let weeklyPhase = -1;
    if (daily) {
      dailyPhase = daily.phase(timeMs);
      if (daily.seen[dailyPhase]) daily.mae += a * (Math.abs(clamp(value - this.level - daily.offsets[dailyPhase]!)) - daily.mae);
      else daily.mae += a * (levelErr - daily.mae);
    }
    if (weekly) {
      weeklyPhase = weekly.phase(timeMs);
      if (weekly.seen[weeklyPhase])
        weekly.mae += a * (Math.abs(clamp(value - this.level - weekly.offsets[weeklyPhase]!)) - weekly.mae);
      else weekly.mae += a * (levelErr - weekly.mae);
    }

    // Residual against the active model drives the level and the scale.
    const residual = clamp(value - this.expectedAt(timeMs));
    this.absDev = this.n < 10 ? this.absDev + (Math.abs(residual) - this.absDev) / this.n : this.absDev + cfg.scale_alpha * (Math.abs(residual) - this.absDev);
    // Before the first cycles are known the level must follow the data closely, or offsets start biased.
    const alpha = this.n < 20 ? Math.max(cfg.level_alpha, 1 / (this.n + 1)) : cfg.level_alpha;
    // value - offset = level + residual: the deseasonalized sample, clipped.
    this.level += alpha * residual;

    for (const [cycle, p] of [
      [daily, dailyPhase],
      [weekly, weeklyPhase],
    ] as const) {
      if (!cycle || p < 0) continue;
      const off = clampTo(value - this.level - cycle.offsets[p]!, clip);
      if (cycle.seen[p]) cycle.offsets[p] = cycle.offsets[p]! + cfg.season_gamma * off;
      else {
        cycle.offsets[p] = value - this.level;
        cycle.seen[p] = 1;
        cycle.visited++;
      }
    }
    this.n++;
    this.chooseModel(timeMs);
  }

  private chooseModel(timeMs: number): void {
    const gain = 1 - this.cfg.min_seasonal_gain;
    let best: 0 | 1 | 7 = 0;
    let bestMae = this.levelMae;
    if (this.daily?.ready(timeMs) && this.daily.mae < gain * bestMae) {
      best = 1;
      bestMae = this.daily.mae;
    }
    if (this.weekly?.ready(timeMs) && this.weekly.mae < gain * bestMae) best = 7;
    this.model = best;
  }

  private trackSpacing(timeMs: number): void {
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
    this.daily = new Cycle(DAY_MS, Math.min(this.cfg.max_phases, Math.round(perDay)), timeMs);
    if (this.cfg.weekly && perDay * 7 >= 7 * 4) {
      this.weekly = new Cycle(7 * DAY_MS, Math.min(this.cfg.max_phases, Math.round(perDay * 7)), timeMs);
    }
  }

  private medianDelta(): number {
    if (this.deltas.length === 0) return NaN;
    const sorted = [...this.deltas].sort((x, y) => x - y);
    return sorted[sorted.length >> 1]!;
  }

  /** A flat series still needs a non-zero scale: relative to the level, never exactly 0. */
  private floorScale(s: number): number {
    const floor = Math.max(Math.abs(this.level) * 1e-4, 1e-9);
    return Number.isFinite(s) && s > floor ? s : floor;
  }
}

function clampTo(r: number, c: number): number {
  return r > c ? c : r < -c ? -c : r;
}
