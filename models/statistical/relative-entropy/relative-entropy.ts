/**
 * Relative-entropy detector (after Wang et al., "Statistical techniques for online anomaly detection in
 * data centers", 2011): the histogram of the last `window` values is compared with the histograms this
 * series usually shows, by Kullback-Leibler divergence. 2·W·KL(P‖Q) is about chi-square distributed with
 * bins − 1 degrees of freedom when the window comes from Q, which gives a principled "matches" test.
 *
 * - Learned histograms (references) start as candidates: a window that matches none becomes a new one
 *   (replacing the least matched when all slots are taken). A reference matched by min_hits windows is an
 *   ordinary regime; a series with several regimes (day and night, two replica counts) keeps them all.
 * - Raw score: 2·W·min KL against the ordinary regimes (NaN until there is one). A change in level,
 *   spread or shape that lasts moves the window's histogram away from all of them within a window.
 * - Bins come from a range learned online (../range), never from a known min and max; when the range
 *   widens, the window's bins are recomputed.
 *
 * Cost per sample: references × (bins + 2) multiply-adds, plus one reference's logarithms when it learns.
 */
import { OnlineRange } from '../range/online-range.js';
import type { RelativeEntropyConfig } from './config.js';

/** Pseudo-count per bin, so empty bins have finite logarithms. */
const PSEUDO = 0.25;

interface Reference {
  q: Float64Array;
  logQ: Float64Array;
  hits: number;
}

export class RelativeEntropyDetector {
  private readonly range: OnlineRange;
  private readonly S: number;
  private readonly values: Float64Array;
  private readonly bins: Uint8Array;
  private readonly counts: Float64Array;
  /** The window's smoothed histogram. */
  private readonly p: Float64Array;
  /**
   * For every possible count c of a bin: its smoothed share (c + PSEUDO) / (W + PSEUDO · bins), and the
   * share times its log (the bin's term of the window's self-information). A window moves two counts per
   * sample, so these are looked up, not computed for every bin.
   */
  private readonly share: Float64Array;
  private readonly selfTerm: Float64Array;
  private readonly refs: Reference[] = [];
  private head = 0;
  private filled = 0;
  private seen = 0;
  private rangeVersion = -1;
  private lastAdded = -Infinity;
  /** 2·W·KL below which a window matches a reference. */
  private readonly critical: number;

  constructor(private readonly cfg: RelativeEntropyConfig) {
    this.range = new OnlineRange(cfg.bins, cfg.widen, cfg.window);
    this.S = this.range.symbols;
    this.values = new Float64Array(cfg.window);
    this.bins = new Uint8Array(cfg.window);
    this.counts = new Float64Array(this.S);
    this.p = new Float64Array(this.S);
    this.critical = chiSquareQuantile(this.S - 1, cfg.match_z);
    const norm = cfg.window + PSEUDO * this.S;
    this.share = Float64Array.from({ length: cfg.window + 1 }, (_, c) => (c + PSEUDO) / norm);
    this.selfTerm = this.share.map((p, c) => p * (Math.log(c + PSEUDO) - Math.log(norm)));
  }

  /**
   * Past its warm-up: raw scores before it are worth learning from (a calibrator needs a history that
   * spans many windows, its scores being far from independent) but not worth reporting.
   */
  get ready(): boolean {
    return this.seen >= Math.max(2 * this.values.length, this.cfg.warmup);
  }

  /** Ordinary regimes learned so far (for tests and evidence). */
  get regimes(): number {
    return this.refs.filter((r) => r.hits >= this.cfg.min_hits).length;
  }

  /** Raw score 2·W·min KL of the window ending at `value` (NaN until an ordinary regime exists). */
  update(value: number): number {
    if (!this.cfg.enabled || !Number.isFinite(value)) return NaN;
    this.seen++;
    const W = this.values.length;
    this.push(value, W);
    this.range.observe(value);
    if (this.filled < W || this.seen < 2 * W) return NaN;

    const S = this.S;
    let selfInfo = 0;
    const p = this.p;
    for (let b = 0; b < S; b++) {
      const c = this.counts[b]!;
      p[b] = this.share[c]!;
      selfInfo += this.selfTerm[c]!;
    }
    let best = Infinity;
    let bestAny = Infinity;
    let bestRef: Reference | undefined;
    for (const r of this.refs) {
      let cross = 0;
      const logQ = r.logQ;
      for (let b = 0; b < S; b++) cross += p[b]! * logQ[b]!;
      const g = 2 * W * (selfInfo - cross);
      if (g < bestAny) {
        bestAny = g;
        bestRef = r;
      }
      if (r.hits >= this.cfg.min_hits && g < best) best = g;
    }
    this.learn(bestRef, bestAny);
    return Number.isFinite(best) ? best : NaN;
  }

  /** Add the value to the window (recomputing the window's bins when the range has moved). */
  private push(value: number, W: number): void {
    if (this.range.version !== this.rangeVersion && this.filled > 0) {
      this.rangeVersion = this.range.version;
      this.counts.fill(0);
      for (let i = 0; i < this.filled; i++) {
        const b = this.range.symbol(this.values[i]!);
        this.bins[i] = b;
        this.counts[b]!++;
      }
    }
    if (this.filled === W) this.counts[this.bins[this.head]!]!--;
    else this.filled++;
    const b = this.range.symbol(value);
    this.values[this.head] = value;
    this.bins[this.head] = b;
    this.counts[b]!++;
    this.head = (this.head + 1) % W;
  }

  /** A matching reference moves towards the window; an unmatched window becomes a candidate. */
  private learn(best: Reference | undefined, g: number): void {
    const S = this.S;
    if (best && g < this.critical) {
      best.hits++;
      const rate = 1 / Math.min(best.hits, 4 * this.values.length);
      for (let b = 0; b < S; b++) {
        best.q[b] = best.q[b]! + rate * (this.p[b]! - best.q[b]!);
        best.logQ[b] = Math.log(best.q[b]!);
      }
      return;
    }
    // One new candidate per half window: a changing window would otherwise fill every slot at once.
    if (this.seen - this.lastAdded < this.values.length / 2) return;
    this.lastAdded = this.seen;
    const q = new Float64Array(S);
    const logQ = new Float64Array(S);
    for (let b = 0; b < S; b++) {
      q[b] = this.p[b]!;
      logQ[b] = Math.log(q[b]!);
    }
    const fresh: Reference = { q, logQ, hits: 1 };
    if (this.refs.length < this.cfg.references) {
      this.refs.push(fresh);
      return;
    }
    let worst = 0;
    for (let i = 1; i < this.refs.length; i++) if (this.refs[i]!.hits < this.refs[worst]!.hits) worst = i;
    this.refs[worst] = fresh;
  }
}

/** Chi-square quantile with `dof` degrees of freedom at normal quantile z (Wilson-Hilferty). */
export function chiSquareQuantile(dof: number, z: number): number {
  const a = 2 / (9 * dof);
  return dof * (1 - a + z * Math.sqrt(a)) ** 3;
}
