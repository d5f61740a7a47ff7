/**
 * Two-sided CUSUM (Page 1954) on the baseline's standardized residuals: catches level shifts and slow
 * drifts that no single sample makes obvious. Its raw score is the larger cumulative sum; the calibrator
 * downstream decides how unusual that is for this series.
 *
 * After a confirmed change (a sum reaches `decision` and the latest residuals agree in sign) it returns
 * the size of the shift so the caller moves the baseline there: the change is reported once, then the
 * new level is the normal one, instead of alarming until a slow average catches up.
 */
import type { CusumConfig } from './config.js';

export interface CusumOutput {
  /** Upward cumulative sum S+ before any reset, >= 0. */
  up: number;
  /** Downward cumulative sum S- before any reset, >= 0. */
  down: number;
  /** Set when a level change is confirmed: the shift (value units) the baseline should apply. */
  shift?: number;
  /**
   * Sustained departure up / down: the smallest clipped z of the last confirm_samples − 1 samples when
   * all of them lie on that side, else 0 (a run rule in the manner of the Western Electric rules). It
   * grows with the size of a new level within a few samples, where the cumulative sums are capped by
   * their decision interval and cannot tell a large shift from a slow wander.
   */
  sustainedUp: number;
  sustainedDown: number;
}

export class CusumDetector {
  private up = 0;
  private down = 0;
  private readonly recent: Float64Array;
  private head = 0;
  private filled = 0;
  private readonly recentZ: Float64Array;
  private zHead = 0;
  private zFilled = 0;

  constructor(private readonly cfg: CusumConfig) {
    this.recent = new Float64Array(cfg.confirm_samples);
    this.recentZ = new Float64Array(Math.max(1, cfg.confirm_samples - 1));
  }

  /** z: standardized residual; residual: the same in value units. */
  update(z: number, residual: number): CusumOutput {
    if (!this.cfg.enabled || !Number.isFinite(z)) return { up: 0, down: 0, sustainedUp: 0, sustainedDown: 0 };
    const { drift, decision, clip } = this.cfg;
    const c = z > clip ? clip : z < -clip ? -clip : z;
    const { sustainedUp, sustainedDown } = this.sustained(c);
    this.up = Math.max(0, this.up + c - drift);
    this.down = Math.max(0, this.down - c - drift);
    this.recent[this.head] = residual;
    this.head = (this.head + 1) % this.recent.length;
    if (this.filled < this.recent.length) this.filled++;
    const up = this.up;
    const down = this.down;
    if (Math.max(up, down) < decision) return { up, down, sustainedUp, sustainedDown };

    const sign = this.up >= this.down ? 1 : -1;
    this.up = 0;
    this.down = 0;
    // A burst of mixed-sign residuals is variance, not a new level: report it, but do not move the baseline.
    const out = { up, down, sustainedUp, sustainedDown };
    if (this.filled < this.recent.length) return out;
    for (let i = 0; i < this.recent.length; i++) if (Math.sign(this.recent[i]!) !== sign) return out;
    return { ...out, shift: median(this.recent) };
  }

  private sustained(c: number): { sustainedUp: number; sustainedDown: number } {
    const ring = this.recentZ;
    ring[this.zHead] = c;
    this.zHead = (this.zHead + 1) % ring.length;
    if (this.zFilled < ring.length) this.zFilled++;
    if (this.zFilled < ring.length) return { sustainedUp: 0, sustainedDown: 0 };
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < ring.length; i++) {
      if (ring[i]! < lo) lo = ring[i]!;
      if (ring[i]! > hi) hi = ring[i]!;
    }
    return { sustainedUp: Math.max(lo, 0), sustainedDown: Math.max(-hi, 0) };
  }
}

function median(a: Float64Array): number {
  const s = Array.from(a).sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
