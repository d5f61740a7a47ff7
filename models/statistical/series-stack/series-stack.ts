/**
 * The metric detector stack on one univariate series, streaming: each sample is scored from the samples
 * before it and itself only, in O(1) amortized time (a few hundred nanoseconds).
 *
 *   value ─► seasonal baseline ─► z ─┬─► spike (|z|)          ─► calibrator ─┐
 *                  ▲                 ├─► CUSUM (level / drift)─► calibrator ─┼─► max ─► score in [0,1]
 *                  └── level shift ◄─┘─► variance (short RMS) ─► calibrator ─┘
 *
 * Each raw score is turned into a tail probability against its own recent history (../calibration), so
 * the fused score is 0 for ordinary samples and rises sharply only for what this series rarely does.
 * A confirmed level change moves the baseline at once: it is reported when it happens, not for hours.
 */
import { TailCalibrator } from '../calibration/tail-calibrator.js';
import { CusumDetector } from '../cusum/cusum.js';
import { SeasonalBaseline } from '../seasonal/seasonal.js';
import { SpikeDetector } from '../spike/spike.js';
import { VarianceDetector } from '../variance/variance.js';
import { defaultSeriesStackConfig, type SeriesStackConfig } from './config.js';

export type StackPart = 'spike' | 'level_shift' | 'variance';

export interface SeriesScore {
  /** Fused calibrated score in [0,1]. */
  score: number;
  /** Which detector gave the fused score ('' when 0). */
  detector: StackPart | '';
  /** Value the baseline expected. */
  expected: number;
  /** Scale of ordinary departures (about one standard deviation). */
  scale: number;
  /** Standardized residual. */
  z: number;
  /** Calibrated score of each detector. */
  parts: Record<StackPart, number>;
  /** True on the sample at which a level change was confirmed and the baseline moved. */
  levelShift: boolean;
}

export class SeriesDetector {
  private readonly baseline: SeasonalBaseline;
  private readonly spike: SpikeDetector;
  private readonly cusum: CusumDetector;
  private readonly variance: VarianceDetector;
  private readonly calSpike: TailCalibrator;
  private readonly calCusum: TailCalibrator;
  private readonly calVariance: TailCalibrator;
  private samples = 0;
  private lastMs = -Infinity;

  constructor(readonly cfg: SeriesStackConfig = defaultSeriesStackConfig) {
    this.baseline = new SeasonalBaseline(cfg.seasonal);
    this.spike = new SpikeDetector(cfg.spike);
    this.cusum = new CusumDetector(cfg.cusum);
    this.variance = new VarianceDetector(cfg.variance);
    this.calSpike = new TailCalibrator(cfg.calibration);
    this.calCusum = new TailCalibrator(cfg.calibration);
    this.calVariance = new TailCalibrator(cfg.calibration);
  }

  get count(): number {
    return this.samples;
  }

  /**
   * Score one sample. Samples must come in time order; one older than the last is scored 0 and not
   * learned (a late scrape must not rewrite the baseline). Non-finite values are scored 0 and skipped.
   */
  update(timeMs: number, value: number): SeriesScore {
    if (!Number.isFinite(value) || !Number.isFinite(timeMs) || timeMs < this.lastMs) return this.idle(value);
    this.lastMs = timeMs;
    this.samples++;
    const b = this.baseline.observe(timeMs, value);
    const residual = value - b.expected;
    const spikeRaw = this.spike.update(b.z);
    const cusum = this.cusum.update(b.z, residual);
    const varianceRaw = this.variance.update(b.z);
    if (cusum.shift !== undefined) this.baseline.shiftLevel(cusum.shift);

    const parts: Record<StackPart, number> = { spike: 0, level_shift: 0, variance: 0 };
    if (this.samples > this.cfg.calibration_start) {
      parts.spike = this.calSpike.update(spikeRaw).score;
      parts.level_shift = this.calCusum.update(cusum.raw).score;
      parts.variance = this.calVariance.update(varianceRaw).score;
    }
    let score = 0;
    let detector: StackPart | '' = '';
    if (this.samples > this.cfg.warmup_samples) {
      for (const k of ['spike', 'level_shift', 'variance'] as const) {
        if (parts[k] > score) {
          score = parts[k];
          detector = k;
        }
      }
    }
    return { score, detector, expected: b.expected, scale: b.scale, z: b.z, parts, levelShift: cusum.shift !== undefined };
  }

  private idle(value: number): SeriesScore {
    return {
      score: 0,
      detector: '',
      expected: Number.isFinite(value) ? value : NaN,
      scale: 0,
      z: 0,
      parts: { spike: 0, level_shift: 0, variance: 0 },
      levelShift: false,
    };
  }
}
