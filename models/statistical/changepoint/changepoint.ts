/**
 * Bayesian online change-point detection (Adams & MacKay 2007, "Bayesian Online Changepoint Detection")
 * with a Normal-Gamma model of each regime: the run length since the last change is a hidden variable
 * whose distribution is updated exactly with each sample, each hypothesis predicting the sample with
 * the Student-t its regime implies.
 *
 * Why it is in the stack: a level shift, a variance change (up or down, a flatline included) or a
 * regime switch all show up as probability mass moving to short run lengths, judged on every sample
 * together rather than one residual at a time; unknown mean and variance are integrated out, so a new
 * regime of any size is weighed fairly against the old one.
 *
 * Bounded cost: at most `max_hypotheses` run lengths are kept (the least probable is dropped), and a
 * regime forgets beyond `memory_samples` so a months-long run of a wandering real series does not grow
 * more certain than it is. Its raw output is the probability that a new regime began between
 * `recent_min` and `recent_max` samples ago; the stack calibrates it like every other part.
 */
import type { ChangepointConfig } from './config.js';

/** Prior pseudo-counts of a new regime: its mean is barely known, its variance like the old one's. */
const PRIOR_KAPPA = 0.1;
const PRIOR_ALPHA = 2;
/** Hypotheses less probable than this are dropped (they cannot come back in any reasonable time). */
const NEGLIGIBLE = 1e-12;
const LOG_2PI = Math.log(2 * Math.PI);

/** log Γ(a + 1/2) − log Γ(a) for a ≥ 1 (asymptotic series; error below 1e-3 at a = 1, far less above). */
function logGammaHalfRatio(a: number): number {
  const inv = 1 / a;
  return 0.5 * Math.log(a) - inv / 8 + (inv * inv * inv) / 192;
}

export class ChangepointDetector {
  private readonly run: Int32Array;
  private readonly prob: Float64Array;
  private readonly mu: Float64Array;
  private readonly kappa: Float64Array;
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly logLik: Float64Array;
  private size = 0;
  private seen = 0;
  private readonly hazard: number;

  constructor(private readonly cfg: ChangepointConfig) {
    const n = cfg.max_hypotheses + 1;
    this.run = new Int32Array(n);
    this.prob = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.kappa = new Float64Array(n);
    this.alpha = new Float64Array(n);
    this.beta = new Float64Array(n);
    this.logLik = new Float64Array(n);
    this.hazard = 1 / cfg.expected_run;
  }

  /** Hypotheses currently kept (for tests). */
  get hypotheses(): number {
    return this.size;
  }

  /**
   * Observe x; a new regime would start from priorMean with a variance like priorVariance (the
   * baseline's current level and scale). Returns the probability that a new regime began recently, NaN while
   * too young to tell (or when disabled or x is not finite): NaN is neither scored nor learned.
   */
  update(x: number, priorMean: number, priorVariance: number): number {
    if (!this.cfg.enabled || !Number.isFinite(x)) return NaN;
    // Until runs longer than recent_max are possible, every run is "recent": nothing to report.
    const young = ++this.seen <= 2 * this.cfg.recent_max;
    const variance = Math.max(priorVariance, 1e-12 * (1 + priorMean * priorMean));
    if (this.size === 0) this.push(0, 1, priorMean, variance);
    const n = this.size;
    let best = -Infinity;
    for (let i = 0; i < n; i++) {
      const ll = this.predictiveLogDensity(i, x);
      this.logLik[i] = ll;
      if (ll > best) best = ll;
    }
    let total = 0;
    const forget = 1 - 1 / this.cfg.memory_samples;
    for (let i = 0; i < n; i++) {
      const w = this.prob[i]! * Math.exp(this.logLik[i]! - best);
      total += w;
      this.prob[i] = w;
      this.absorb(i, x, forget);
    }
    if (!(total > 0)) {
      // Every hypothesis found x impossible (numerically): start over from the prior.
      this.size = 0;
      this.push(0, 1, priorMean, variance);
      return NaN;
    }
    // Each run either continues (1 − hazard) or ends here; a new empty run takes the ended mass.
    const keep = (1 - this.hazard) / total;
    for (let i = 0; i < n; i++) this.prob[i] = this.prob[i]! * keep;
    this.push(0, this.hazard, priorMean, variance);
    this.prune();
    let recent = 0;
    for (let i = 0; i < this.size; i++) {
      const r = this.run[i]!;
      if (r >= this.cfg.recent_min && r <= this.cfg.recent_max) recent += this.prob[i]!;
    }
    return young ? NaN : Math.min(recent, 1);
  }

  /** Student-t predictive of hypothesis i (Normal-Gamma posterior). */
  private predictiveLogDensity(i: number, x: number): number {
    const a = this.alpha[i]!;
    const k = this.kappa[i]!;
    const s2 = (this.beta[i]! * (k + 1)) / (a * k);
    const d = x - this.mu[i]!;
    return (
      logGammaHalfRatio(a) -
      0.5 * (LOG_2PI + Math.log(a * s2)) -
      (a + 0.5) * Math.log1p((d * d) / (2 * a * s2))
    );
  }

  /** Conjugate update of hypothesis i with x, forgetting beyond memory_samples. */
  private absorb(i: number, x: number, forget: number): void {
    let k = this.kappa[i]!;
    if (k >= this.cfg.memory_samples) {
      k *= forget;
      this.alpha[i] = this.alpha[i]! * forget;
      this.beta[i] = this.beta[i]! * forget;
    }
    const m = this.mu[i]!;
    const d = x - m;
    this.beta[i] = this.beta[i]! + (k * d * d) / (2 * (k + 1));
    this.mu[i] = m + d / (k + 1);
    this.kappa[i] = k + 1;
    this.alpha[i] = this.alpha[i]! + 0.5;
    this.run[i] = this.run[i]! + 1;
  }

  private push(run: number, p: number, mean: number, variance: number): void {
    const i = this.size++;
    this.run[i] = run;
    this.prob[i] = p;
    this.mu[i] = mean;
    this.kappa[i] = PRIOR_KAPPA;
    this.alpha[i] = PRIOR_ALPHA;
    // E[σ²] = β / (α − 1) = the baseline's variance.
    this.beta[i] = (PRIOR_ALPHA - 1) * variance;
  }

  /** Drops negligible hypotheses, then the least probable ones beyond max_hypotheses; renormalizes. */
  private prune(): void {
    let i = 0;
    while (i < this.size) {
      if (this.prob[i]! < NEGLIGIBLE) this.removeAt(i);
      else i++;
    }
    while (this.size > this.cfg.max_hypotheses) {
      let least = 0;
      for (let j = 1; j < this.size; j++) if (this.prob[j]! < this.prob[least]!) least = j;
      this.removeAt(least);
    }
    let sum = 0;
    for (let j = 0; j < this.size; j++) sum += this.prob[j]!;
    for (let j = 0; j < this.size; j++) this.prob[j] = this.prob[j]! / sum;
  }

  private removeAt(i: number): void {
    const last = --this.size;
    this.run[i] = this.run[last]!;
    this.prob[i] = this.prob[last]!;
    this.mu[i] = this.mu[last]!;
    this.kappa[i] = this.kappa[last]!;
    this.alpha[i] = this.alpha[last]!;
    this.beta[i] = this.beta[last]!;
  }
}
