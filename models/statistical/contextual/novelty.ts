/**
 * Context novelty: how many of this sample's contexts has the series never produced before? The idea of
 * CAD-OSE (the Contextual Anomaly Detector, open source edition, on NAB's scoreboard): quantize values into
 * a small alphabet, remember the contexts the series has made in a bounded dictionary, and score the share
 * of the current sample's contexts that are new. A series turning jittery, a sawtooth whose ramps turn
 * rough, bursts of a new shape are made of familiar values in unfamiliar order, which residuals against a
 * baseline whose scale follows the change hardly show.
 *
 * The contexts of a sample at level s (its value quantized over a range learned online, ../range, into
 * `novelty_levels` bins plus overflow bins) are the sequences of the last k levels ending with s, for
 * k = 1..novelty_orders. The raw score is the share of them never seen, averaged over recent samples
 * (`novelty_smoothing`): a changed pattern lasts, one odd sample is the spike part's business. The stack
 * calibrates it against the series' own history: on a noisy series most long contexts are new all the
 * time, so novelty is ordinary there. Unlike ../contextual (the surprise of the next bin after its
 * context, off), it counts only whether a context was ever made, which a stray sample barely moves.
 *
 * The dictionary is an open-addressing table (keys and counts in typed arrays, at least twice
 * `novelty_max_entries` slots): when it holds more contexts than that, every count is halved and those
 * reaching 0 are forgotten (old habits fade, memory stays fixed: 64 KB per series by default).
 * Cost: `novelty_orders` probes per sample.
 */
import { OnlineRange } from '../range/online-range.js';
import type { ContextualConfig } from './config.js';

export class ContextNovelty {
  private readonly range: OnlineRange;
  private readonly base: number;
  /** Last `orders` levels, most recent first. */
  private readonly recent: Int32Array;
  private filled = 0;
  private keys: Int32Array;
  private counts: Int32Array;
  private readonly mask: number;
  /** Multiplicative hashing keeps the top bits of the product: 32 − log2(slots). */
  private readonly shift: number;
  private held = 0;
  private average = 0;

  constructor(private readonly cfg: ContextualConfig) {
    this.range = new OnlineRange(cfg.novelty_levels, cfg.widen, cfg.settle);
    this.base = this.range.symbols + 1;
    this.recent = new Int32Array(Math.max(1, cfg.novelty_orders));
    // Twice as many slots as contexts kept (rounded up to a power of two): probes stay short.
    let slots = 16;
    while (slots < 2 * cfg.novelty_max_entries) slots *= 2;
    this.keys = new Int32Array(slots);
    this.counts = new Int32Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  /** Contexts remembered. */
  get entries(): number {
    return this.held;
  }

  /**
   * Whether a calibrated score of `raw` counts in the stack at sample `samples`: past the warm-up, and at
   * least novelty_min of recent contexts new (on a series whose contexts are almost never new, the
   * calibrator would call the first few new ones rare).
   */
  counted(raw: number, samples: number): boolean {
    return samples > this.cfg.novelty_warmup && raw >= this.cfg.novelty_min;
  }

  /** Recent share of new contexts (NaN while the range settles or when off); then learns this sample's. */
  update(value: number): number {
    if (!this.cfg.novelty_enabled || !Number.isFinite(value)) return NaN;
    const s = this.range.symbol(value);
    const B = this.base;
    let fresh = 0;
    let active = 0;
    let key = s + 1;
    let scale = B;
    for (let k = 1; k <= this.cfg.novelty_orders && k <= this.filled; k++) {
      key += scale * (this.recent[k - 1]! + 1);
      scale *= B;
      // The order is part of the key, so sequences of different lengths never collide (keys stay
      // below 2^31 for the largest alphabet and order the config allows).
      fresh += this.visit(key * 8 + k);
      active++;
    }
    if (this.held > this.cfg.novelty_max_entries) this.forget();
    const settling = this.filled < this.cfg.settle;
    this.range.observe(value);
    for (let k = this.recent.length - 1; k > 0; k--) this.recent[k] = this.recent[k - 1]!;
    this.recent[0] = s;
    this.filled++;
    if (settling || active === 0) return NaN;
    this.average += this.cfg.novelty_smoothing * (fresh / active - this.average);
    return this.average;
  }

  /** 1 when the context is new (never seen, or forgotten), else 0; counts it either way. */
  private visit(key: number): number {
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) {
        this.counts[i]!++;
        return 0;
      }
      if (k === 0) {
        this.keys[i] = key;
        this.counts[i] = 1;
        this.held++;
        return 1;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Halve every count, forget those reaching 0, and rebuild the table from the rest. */
  private forget(): void {
    const keys = this.keys;
    const counts = this.counts;
    this.keys = new Int32Array(keys.length);
    this.counts = new Int32Array(keys.length);
    this.held = 0;
    for (let j = 0; j < keys.length; j++) {
      const half = counts[j]! >> 1;
      if (keys[j] === 0 || half === 0) continue;
      let i = Math.imul(keys[j]!, 0x9e3779b1) >>> this.shift;
      while (this.keys[i] !== 0) i = (i + 1) & this.mask;
      this.keys[i] = keys[j]!;
      this.counts[i] = half;
      this.held++;
    }
  }
}
