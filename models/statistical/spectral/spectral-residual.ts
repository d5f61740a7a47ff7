/**
 * Spectral residual (Ren et al., "Time-Series Anomaly Detection Service at Microsoft", KDD 2019),
 * streaming: the last `window − extend` values, extended by `extend` points extrapolated from the average
 * gradient of the `lookback` ones before the latest, are transformed (RealFft); the log amplitude spectrum minus its
 * local average over `average_bins` bins is the spectral residual, and the inverse transform of the
 * spectrum rescaled to it (phases kept) is the saliency map. What the spectrum explains (a cycle, a trend,
 * broadband noise) flattens; what it does not (a lone spike, the edge of a step) stands out.
 *
 * Raw score of a sample: (saliency − mean of the `score_window` saliency values before it) / that mean.
 * One transform every `stride` samples; its raw score is the largest of the samples since the last one
 * (each judged in this transform's map, the latest with the extension after it). NaN on other samples
 * and until the window is full. The local average is centered and uses the spectrum's symmetry, so the
 * rescaled spectrum stays Hermitian and its inverse real (the saliency is its magnitude).
 *
 * Cost per transform: one real FFT of `window` points, its inverse, window/2 + 1 logarithms and
 * exponentials; nothing allocated.
 */
import type { SpectralConfig } from './config.js';
import { RealFft } from './fft.js';

/** Amplitudes at or below this (relative to the window's largest) are dropped from the residual. */
const FLOOR = 1e-9;

export class SpectralResidual {
  /** Whether the last raw score came from a sample below the window's mean. */
  falling = false;
  private readonly fft: RealFft;
  private readonly observed: number;
  private readonly ring: Float64Array;
  private readonly x: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly amp: Float64Array;
  /** Bin k's neighbours k − 1, k, k + 1 folded into 0..N/2 (at 3k, 3k + 1, 3k + 2). */
  private readonly near: Uint16Array;
  private readonly saliency: Float64Array;
  private head = 0;
  private filled = 0;
  private seen = 0;
  /** Largest |z| of the samples since the last transform, and of those the last transform scored. */
  private pendingZ = 0;
  departureZ = 0;

  constructor(private readonly cfg: SpectralConfig) {
    this.fft = new RealFft(cfg.window);
    this.observed = cfg.window - cfg.extend;
    this.ring = new Float64Array(this.observed);
    this.x = new Float64Array(cfg.window);
    const bins = cfg.window / 2 + 1;
    this.re = new Float64Array(bins);
    this.im = new Float64Array(bins);
    this.amp = new Float64Array(bins);
    this.near = new Uint16Array(3 * bins);
    for (let k = 0; k < bins; k++)
      for (let j = 0; j < 3; j++) this.near[3 * k + j] = mirror(k - 1 + j, bins - 1);
    this.saliency = new Float64Array(cfg.window);
  }

  /** Past its warm-up: its scores count in the stack. */
  get ready(): boolean {
    return this.seen > this.cfg.warmup;
  }

  /**
   * Raw score of the samples since the last transform (NaN when no transform runs on this sample). `z`:
   * the sample's standardized residual from the baseline, remembered for departureZ.
   */
  update(value: number, z = 0): number {
    if (!this.cfg.enabled || !Number.isFinite(value)) return NaN;
    this.seen++;
    this.pendingZ = Math.max(this.pendingZ, Math.abs(z));
    const M = this.observed;
    this.ring[this.head] = value;
    this.head = this.head + 1 === M ? 0 : this.head + 1;
    if (this.filled < M) this.filled++;
    if (this.filled < M || this.seen % this.cfg.stride !== 0) return NaN;
    this.departureZ = this.pendingZ;
    this.pendingZ = 0;
    this.window();
    this.transform();
    return this.score();
  }

  /** The saliency map of the last transform (for tests), observed samples first. */
  get map(): Float64Array {
    return this.saliency;
  }

  /** The observed values in time order, then the extension. */
  private window(): void {
    const M = this.observed;
    const x = this.x;
    const ring = this.ring;
    let j = 0;
    for (let i = this.head; i < M; i++) x[j++] = ring[i]!;
    for (let i = 0; i < this.head; i++) x[j++] = ring[i]!;
    // The paper's extrapolation, as its reference implementation reads it: g the average gradient from
    // the m samples before the latest one to the sample before it, the point x[M − 1 − m] + g·m (a
    // prediction of the latest sample from the ones before it), repeated `extend` times. The latest sample
    // itself stays out of it: a spike would otherwise be extrapolated into a larger one after it.
    const m = this.cfg.lookback;
    const prev = x[M - 2]!;
    let g = 0;
    for (let i = 1; i <= m; i++) g += (prev - x[M - 2 - i]!) / i;
    const next = x[M - 1 - m]! + g;
    x.fill(next, M);
  }

  private transform(): void {
    const { re, im, amp } = this;
    const h = this.cfg.window / 2;
    this.fft.forward(this.x, re, im);
    let top = 0;
    for (let k = 0; k <= h; k++) {
      const a = Math.sqrt(re[k]! * re[k]! + im[k]! * im[k]!);
      if (k > 0 && a > top) top = a;
      amp[k] = a;
    }
    if (!(top > 0) || !Number.isFinite(top)) {
      this.saliency.fill(0);
      return;
    }
    // Amplitudes relative to the largest but the mean (the map's shape does not depend on the scale); one at or below
    // FLOOR is dropped, and stands at FLOOR in its neighbours' averages.
    const inv = 1 / top;
    for (let k = 0; k <= h; k++) amp[k] = Math.max(amp[k]! * inv, FLOOR);
    // The window's mean (bin 0) says nothing about where in it something stands out, and on a series far
    // from 0 it would dominate the map (a constant saliency that drowns every ratio): it is dropped, and
    // stands as bin 1 in bin 1's local average.
    amp[0] = amp[1]!;
    re[0] = 0;
    im[0] = 0;
    // Residual R = L − mean(L over the bins around k); the rescaled spectrum X·exp(R)/|X| = X·exp(−mean),
    // exp(−mean of the logs) being the geometric mean's reciprocal.
    const near = this.near;
    const q = this.cfg.average_bins;
    for (let k = 0; k <= h; k++) {
      let f: number;
      if (amp[k]! <= FLOOR) f = 0;
      else if (q === 3) f = 1 / Math.cbrt(amp[near[3 * k]!]! * amp[k]! * amp[near[3 * k + 2]!]!);
      else {
        let sum = 0;
        for (let j = k - (q - 1) / 2; j <= k + (q - 1) / 2; j++) sum += Math.log(amp[mirror(j, h)]!);
        f = Math.exp(-sum / q);
      }
      re[k] = re[k]! * f * inv;
      im[k] = im[k]! * f * inv;
    }
    this.fft.inverse(re, im, this.saliency);
  }

  /** Largest (saliency − mean before) / mean of the samples since the last transform. */
  private score(): number {
    const s = this.saliency;
    const M = this.observed;
    const z = this.cfg.score_window;
    const k = this.cfg.stride;
    for (let i = M - k - z; i < M; i++) s[i] = Math.abs(s[i]!);
    let sum = 0;
    for (let i = M - k - z; i < M - k; i++) sum += s[i]!;
    let best = 0;
    let at = M - 1;
    for (let t = M - k; t < M; t++) {
      const mean = sum / z;
      const raw = mean > 0 ? (s[t]! - mean) / mean : 0;
      if (raw > best) {
        best = raw;
        at = t;
      }
      sum += s[t]! - s[t - z]!;
    }
    let avg = 0;
    for (let i = 0; i < M; i++) avg += this.x[i]!;
    this.falling = this.x[at]! < avg / M;
    return best;
  }
}

/** Bin j of a real signal's spectrum of N = 2h points folded into 0..h (|X_{−j}| = |X_j| = |X_{N−j}|). */
function mirror(j: number, h: number): number {
  let i = j < 0 ? -j : j;
  i %= 2 * h;
  return i > h ? 2 * h - i : i;
}
