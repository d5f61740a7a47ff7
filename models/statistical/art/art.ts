/**
 * Fuzzy ART window detector (after Carpenter, Grossberg and Rosen's fuzzy ART, 1991, and the way ARTime
 * applies it to streams): the window of the last `dims` points (each the mean of `stride` samples) is
 * matched against learned categories, each a box (a low and a high per point) in the series' own units.
 *
 * - Complement coding, kept implicit: with the window normalized by the learned range (../range), a
 *   category's weight (low, 1 − high) against the input (x, 1 − x) gives |I ∧ w| = dims − |box grown to
 *   hold x|, so the match criterion |I ∧ w| / |I| ≥ vigilance bounds the size a box may grow to, and the
 *   choice function |I ∧ w| / (α + |w|) prefers the box that needs to grow least, then the smaller one.
 * - Boxes are stored in raw units and normalized at match time, so when the range widens (a new level
 *   that lasts) the categories stay valid instead of being relearned.
 * - Learning: the chosen resonating box grows towards the window by `learning_rate` (1: fast learning).
 *   A window that resonates with no box founds a new category; that is the ART signal of novelty.
 * - Vigilance adapts during warm-up: when founding would overflow `categories`, the vigilance drops a
 *   step (down to `min_vigilance`) and the categories are relearned, so a noisy series gets coarse boxes
 *   and a smooth one fine boxes. After warm-up the least used category makes room.
 *
 * Raw score: how far the window lies outside the nearest box, in range widths per point (0 inside one).
 * The stack calibrates it against this series' own history. Cost per sample: categories × dims.
 */
import { OnlineRange } from '../range/online-range.js';
import type { ArtConfig } from './config.js';

/** Vigilance step when warm-up founding would overflow the categories. */
const VIGILANCE_STEP = 0.05;

export class ArtDetector {
  private readonly range: OnlineRange;
  private readonly D: number;
  private readonly samples: Float64Array;
  private readonly x: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly hits: Float64Array;
  /** Per category, the sum of its box's widths in raw units (recomputed when the box changes). */
  private readonly sizes: Float64Array;
  private count = 0;
  private head = 0;
  private filled = 0;
  private seen = 0;
  private rho: number;
  /** Categories founded after warm-up (for tests and evidence). */
  founded = 0;

  constructor(private readonly cfg: ArtConfig) {
    this.D = cfg.dims;
    this.range = new OnlineRange(1, cfg.widen, cfg.dims * cfg.stride);
    this.samples = new Float64Array(cfg.dims * cfg.stride);
    this.x = new Float64Array(cfg.dims);
    this.lo = new Float64Array(cfg.categories * cfg.dims);
    this.hi = new Float64Array(cfg.categories * cfg.dims);
    this.hits = new Float64Array(cfg.categories);
    this.sizes = new Float64Array(cfg.categories);
    this.rho = cfg.vigilance;
  }

  /** Past its warm-up: its scores are worth reporting. */
  get ready(): boolean {
    return this.seen >= this.cfg.warmup;
  }

  get vigilance(): number {
    return this.rho;
  }

  get categories(): number {
    return this.count;
  }

  /** Raw score of the window ending at `value` (NaN until the window is full or when disabled). */
  update(value: number): number {
    if (!this.cfg.enabled || !Number.isFinite(value)) return NaN;
    this.seen++;
    const N = this.samples.length;
    this.samples[this.head] = value;
    this.head = (this.head + 1) % N;
    if (this.filled < N) this.filled++;
    this.range.observe(value);
    if (this.filled < N) return NaN;
    this.window();

    const D = this.D;
    const width = this.range.high - this.range.low || Math.max(Math.abs(this.range.low) * 1e-3, 1e-12);
    const inv = 1 / width;
    let nearest = Infinity;
    let chosen = -1;
    let bestChoice = -Infinity;
    const budget = D * (1 - this.rho);
    const { lo, hi, x, sizes } = this;
    for (let j = 0; j < this.count; j++) {
      let grown = 0;
      const o = j * D;
      for (let d = 0; d < D; d++) {
        const l = lo[o + d]!;
        const h = hi[o + d]!;
        const v = x[d]!;
        grown += (v > h ? v : h) - (v < l ? v : l);
      }
      grown *= inv;
      const size = sizes[j]! * inv;
      const outside = grown - size;
      if (outside < nearest) nearest = outside;
      if (grown <= budget) {
        const choice = (D - grown) / (this.cfg.choice_alpha + D - size);
        if (choice > bestChoice) {
          bestChoice = choice;
          chosen = j;
        }
      }
    }
    if (chosen >= 0) this.learn(chosen);
    else this.found();
    return Number.isFinite(nearest) ? nearest / D : NaN;
  }

  /** The window's points, oldest first, each the mean of `stride` samples. */
  private window(): void {
    const { stride } = this.cfg;
    const N = this.samples.length;
    for (let d = 0; d < this.D; d++) {
      let sum = 0;
      for (let k = 0; k < stride; k++) sum += this.samples[(this.head + d * stride + k) % N]!;
      this.x[d] = sum / stride;
    }
  }

  private learn(j: number): void {
    const beta = this.cfg.learning_rate;
    const o = j * this.D;
    for (let d = 0; d < this.D; d++) {
      const v = this.x[d]!;
      const l = this.lo[o + d]!;
      const h = this.hi[o + d]!;
      if (v < l) this.lo[o + d] = l + beta * (v - l);
      if (v > h) this.hi[o + d] = h + beta * (v - h);
    }
    this.measure(j);
    this.hits[j]!++;
  }

  private found(): void {
    let j = this.count;
    if (j === this.cfg.categories) {
      if (!this.ready && this.rho > this.cfg.min_vigilance) {
        // Too many boxes for this series' noise: coarser boxes, learned again from here on.
        this.rho = Math.max(this.cfg.min_vigilance, this.rho - VIGILANCE_STEP);
        this.count = 0;
        j = 0;
      } else {
        j = 0;
        for (let i = 1; i < this.count; i++) if (this.hits[i]! < this.hits[j]!) j = i;
      }
    }
    if (j === this.count) this.count++;
    if (this.ready) this.founded++;
    const o = j * this.D;
    for (let d = 0; d < this.D; d++) {
      this.lo[o + d] = this.x[d]!;
      this.hi[o + d] = this.x[d]!;
    }
    this.measure(j);
    this.hits[j] = 1;
  }

  /** Category j's size: its box's widths summed in point order (the order the match once summed them in). */
  private measure(j: number): void {
    const o = j * this.D;
    let size = 0;
    for (let d = 0; d < this.D; d++) size += this.hi[o + d]! - this.lo[o + d]!;
    this.sizes[j] = size;
  }
}
