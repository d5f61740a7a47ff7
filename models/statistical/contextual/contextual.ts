/**
 * Contextual detector: how unexpected is this sample's binned value after the binned values just before
 * it? The idea of the Contextual Anomaly Detector (CAD-OSE on NAB): a series is a stream of discrete
 * facts, and an anomaly is a fact that its recent context has never (or rarely) been followed by.
 *
 * Values are binned over a range learned online (../range: it widens slowly, beyond it are overflow
 * bins), so no min or max is needed in advance. For each context length k = 0..orders (k = 0: the bin's
 * own frequency) it keeps counts of context → next bin, and the raw score is the mean, over the lengths
 * whose context was seen before, of −log2 of the smoothed probability of the bin that came. A new level,
 * a value outside everything seen, or a familiar value in an unfamiliar order all score high; the stack's
 * calibrator judges how high is unusual for this series (a random walk that keeps visiting new bins
 * scores high all the time, so its novelty is ordinary there).
 *
 * Cost: 2·(orders + 1) map reads and writes per sample. Memory: at most max_entries transitions.
 */
import { OnlineRange } from '../range/online-range.js';
import type { ContextualConfig } from './config.js';

/** Pseudo-count of every bin (additive smoothing), so an unseen bin has a finite surprise. */
const PSEUDO = 0.5;

export class ContextualDetector {
  private readonly range: OnlineRange;
  private readonly symbols: number;
  /** The last `orders` symbols, most recent first. */
  private readonly recent: Int32Array;
  private filled = 0;
  /** Samples judged since the range last moved (bins before and after a move are not comparable). */
  private stableFor = 0;
  private rangeVersion = -1;
  /** Times each context (keyed by order and symbols) was followed by anything. */
  private readonly contexts = new Map<number, number>();
  /** Times each context was followed by each symbol. */
  private readonly transitions = new Map<number, number>();

  constructor(private readonly cfg: ContextualConfig) {
    this.range = new OnlineRange(cfg.bins, cfg.widen, cfg.settle);
    this.symbols = this.range.symbols;
    this.recent = new Int32Array(Math.max(1, cfg.orders));
  }

  /**
   * Past its warm-up, and the range has held still for stable_samples: raw scores otherwise are learned by
   * the stack's calibrator, not reported. While the range moves (a new level being covered, a random walk
   * exploring) the same value changes bins, and its contexts read as new for no reason of the series.
   */
  get ready(): boolean {
    return this.filled >= this.cfg.warmup && this.stableFor > this.cfg.stable_samples;
  }

  /** Learned transitions held (for memory accounting and tests). */
  get entries(): number {
    return this.transitions.size;
  }

  /** Raw surprise of `value` in bits (NaN while the range is settling or when off); then learns it. */
  update(value: number): number {
    if (!this.cfg.enabled || !Number.isFinite(value)) return NaN;
    const settling = this.filled < this.cfg.settle;
    const s = this.range.symbol(value);
    const S = this.symbols;
    let sum = 0;
    let counted = 0;
    let key = 0;
    let scale = 1;
    for (let k = 0; k <= this.cfg.orders; k++) {
      if (k > 0) {
        if (k > this.filled) break;
        key += scale * (this.recent[k - 1]! + 1);
        scale *= S + 1;
      }
      const total = this.contexts.get(key) ?? 0;
      const trKey = key * S + s;
      const hits = this.transitions.get(trKey) ?? 0;
      if (total > 0) {
        sum += -Math.log2((hits + PSEUDO) / (total + PSEUDO * S));
        counted++;
      }
      this.contexts.set(key, total + 1);
      this.transitions.set(trKey, hits + 1);
    }
    if (this.transitions.size > this.cfg.max_entries) this.forget();
    // Counted before this sample moves the range: the sample that first leaves it is still judged.
    this.stableFor = this.range.version === this.rangeVersion ? this.stableFor + 1 : 0;
    this.rangeVersion = this.range.version;
    this.range.observe(value);
    for (let k = this.recent.length - 1; k > 0; k--) this.recent[k] = this.recent[k - 1]!;
    this.recent[0] = s;
    this.filled++;
    if (settling) return NaN;
    return counted > 0 ? sum / counted : Math.log2(S);
  }

  /** Halve every count and drop those that reach 0: old habits fade, memory stays bounded. */
  private forget(): void {
    for (const m of [this.transitions, this.contexts]) {
      for (const [k, v] of m) {
        const h = Math.floor(v / 2);
        if (h === 0) m.delete(k);
        else m.set(k, h);
      }
    }
  }
}
