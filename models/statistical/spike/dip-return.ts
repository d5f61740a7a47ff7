/**
 * Dip and return: a short stretch (1 to `samples` samples) lying entirely below the samples on both
 * sides of it, scored by its depth in units of the series' mean absolute step, on the sample that
 * comes back up.
 *
 * Why beside the z of one sample: on a series that drops often without coming back (a heap collected
 * at irregular heights, a sawtooth that resets, per-replica load that steps when an autoscaler adds a
 * replica), the baseline's scale and the drop calibrator are full of large drops, so a short dip is
 * ordinary as a departure. As a departure that comes back it is not: such drops do not return within
 * a few samples. Depth counts from the lower edge, so a hole in a ramp counts only what lies below the
 * ramp; the left edge is the lower of the two samples before the stretch, so the gap after a lone burst
 * (burst, ordinary samples, burst) is no hole, and the lower edge must itself be ordinary (z at most
 * `edgeZ`), so the idle gap between two multi-sample bursts of a bursty idle series is none either. Rises are left to the spike part and its burst memory
 * (a peak-and-return twin alarmed on every burst of bursty series).
 */
export class DipReturnDetector {
  /** The last samples + 3 values (the stretch, two left-edge samples, the current one). */
  private readonly ring: Float64Array;
  private readonly zs: Float64Array;
  private head = 0;
  private filled = 0;
  private meanStep = NaN;
  private steps = 0;

  constructor(
    private readonly samples: number,
    private readonly stepAlpha: number,
    /** The lower edge must be ordinary: its z at most this (the gap between two bursts is no hole). */
    private readonly edgeZ = Infinity,
  ) {
    this.ring = new Float64Array(Math.max(0, samples) + 3);
    this.zs = new Float64Array(Math.max(0, samples) + 3);
  }

  /**
   * Depth of the deepest hole that ends with this sample, in mean absolute steps (0 when none); `z` is
   * the sample's standardized residual from the baseline (its edges are judged by it).
   */
  update(value: number, z = 0): number {
    const n = this.ring.length;
    if (this.samples <= 0) return 0;
    let depth = 0;
    if (this.filled > 0) this.learnStep(Math.abs(value - this.ring[(this.head + n - 1) % n]!));
    if (this.filled >= 3 && this.steps >= MIN_STEPS && this.meanStep > 0) {
      let innerMax = -Infinity;
      const longest = Math.min(this.samples, this.filled - 2);
      // Ring positions of the stretch's first sample (j back) and of its two left edges, stepped back
      // together: no modulo per sample.
      let i0 = this.head === 0 ? n - 1 : this.head - 1;
      let i1 = i0 === 0 ? n - 1 : i0 - 1;
      let i2 = i1 === 0 ? n - 1 : i1 - 1;
      for (let j = 1; j <= longest; j++) {
        const inner = this.ring[i0]!;
        if (inner > innerMax) innerMax = inner;
        const e1 = this.ring[i1]!;
        const e2 = this.ring[i2]!;
        const z1 = this.zs[i1]!;
        const z2 = this.zs[i2]!;
        i0 = i1;
        i1 = i2;
        i2 = i2 === 0 ? n - 1 : i2 - 1;
        const lower = Math.min(e1, e2, value);
        const lowerZ = lower === value ? z : lower === e1 ? z1 : z2;
        const hole = lower - innerMax;
        if (hole > depth && lowerZ <= this.edgeZ) depth = hole;
      }
      depth /= this.meanStep;
    }
    this.ring[this.head] = value;
    this.zs[this.head] = z;
    this.head = (this.head + 1) % n;
    if (this.filled < n) this.filled++;
    return depth;
  }

  /** Mean absolute step, each step clipped at 3 means so the dips being judged barely move it. */
  private learnStep(step: number): void {
    if (Number.isNaN(this.meanStep)) {
      this.meanStep = step;
      return;
    }
    this.steps++;
    const a = Math.max(this.stepAlpha, 1 / this.steps);
    // A series that starts flat has a mean step of 0 for a while: nothing to clip against yet.
    const clipped = this.meanStep > 0 ? Math.min(step, 3 * this.meanStep) : step;
    this.meanStep += a * (clipped - this.meanStep);
  }
}

/** Steps seen before a depth is reported (the mean step must mean something). */
const MIN_STEPS = 16;
