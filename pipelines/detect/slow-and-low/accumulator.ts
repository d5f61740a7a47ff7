/**
 * Poisson CUSUM accumulators, one per evidence type and time scale, over a source's windows: the
 * numbers live in one short array kept in the source's EntityState (so they move with its snapshot),
 * made on the first evidence and dropped once every accumulator has decayed to zero.
 *
 * At scale s (horizon τ, `min_events` K), an attack adds δ = K·w/τ suspicious events per window of w
 * seconds on top of the λ0 the source is expected to show (its own rate, or its peers'). Each window
 * adds the log-likelihood ratio of its count x under λ1 = max(λ0 + δ, 3·λ0) against λ0:
 *   S ← max(0, S + x·ln(λ1/λ0) − (λ1 − λ0))
 * λ0 is floored at δ/4, so one event adds at most ln 5 (a single odd request never decides), and x is
 * capped at ⌈λ1⌉: a burst is the burst detectors' business and must not tip a slow accumulator alone.
 * Windows in which the source sent nothing subtract δ each.
 */

/** The evidence types, in the order their blocks are stored. */
export const EVIDENCE_TYPES = [
  'denials',
  'failing_new_routes',
  'failed_new_targets',
  'guessed_sessions',
] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** One window's evidence of one type: the count and what the source's baseline expects. */
export interface TypeObservation {
  count: number;
  expected: number;
  /** Event time of the first suspicious event of this type in the window. */
  firstMs: number;
}

export interface Scale {
  horizonSecs: number;
  minEvents: number;
}

/** Most recent failed-target hashes kept: a client retrying one dead address is not a sweep. */
export const TARGET_RING = 4;
const LAST_END = 0;
const RING = 1;
const HEADER = RING + TARGET_RING;
/** Per type: when the current excursion began, the events counted since, then one statistic per scale. */
const FIRST_MS = 0;
const EVENTS = 1;
const STATS = 2;

/** How far above the decision an accumulator may climb: a long attack is not remembered for ever after. */
const HEADROOM = 10;

export class Accumulators {
  readonly size: number;
  private readonly block: number;

  constructor(
    readonly scales: readonly Scale[],
    readonly decision: number,
  ) {
    this.block = STATS + scales.length;
    this.size = HEADER + EVIDENCE_TYPES.length * this.block;
  }

  /** The stored numbers, if they fit this layout (a config with other scales starts afresh). */
  fits(values: readonly number[] | undefined): values is readonly number[] {
    return values !== undefined && values.length === this.size;
  }

  /** The statistic of one type at one scale. */
  stat(values: readonly number[], type: number, scale: number): number {
    return values[HEADER + type * this.block + STATS + scale]!;
  }
  firstMs(values: readonly number[], type: number): number {
    return values[HEADER + type * this.block + FIRST_MS]!;
  }
  events(values: readonly number[], type: number): number {
    return values[HEADER + type * this.block + EVENTS]!;
  }
  /** The scale whose statistic stands highest for a type, and that statistic. */
  strongest(values: readonly number[], type: number): { scale: number; llr: number } {
    let scale = 0;
    for (let s = 1; s < this.scales.length; s++)
      if (this.stat(values, type, s) > this.stat(values, type, scale)) scale = s;
    return { scale, llr: this.stat(values, type, scale) };
  }

  /** Whether a failed target's hash is one of the last few counted; remembers it if not. */
  static seenTarget(values: number[], hash: number): boolean {
    for (let i = 0; i < TARGET_RING; i++) if (values[RING + i] === hash) return true;
    for (let i = TARGET_RING - 1; i > 0; i--) values[RING + i] = values[RING + i - 1]!;
    values[RING] = hash;
    return false;
  }

  /** A fresh array for a source without one (all accumulators at zero). */
  empty(): number[] {
    return Array.from({ length: this.size }, () => 0);
  }

  /**
   * The accumulators after one window of `windowSecs` ending at `endMs` (a new array; `prev` is not
   * changed), or undefined when every one of them is back at zero.
   */
  step(
    prev: readonly number[] | undefined,
    observations: readonly TypeObservation[],
    endMs: number,
    windowSecs: number,
  ): number[] | undefined {
    const v = prev === undefined ? this.empty() : prev.slice();
    const last = v[LAST_END]!;
    // Windows the source sent nothing in: each lowers every accumulator by its scale's drift.
    const skipped = last > 0 ? Math.max(0, Math.round((endMs - last) / (windowSecs * 1000)) - 1) : 0;
    v[LAST_END] = endMs;
    let any = false;
    EVIDENCE_TYPES.forEach((_, t) => {
      const o = observations[t]!;
      const at = HEADER + t * this.block;
      const activeBefore = this.scales.some((_, s) => v[at + STATS + s]! > 0);
      let active = false;
      this.scales.forEach((scale, s) => {
        const delta = (scale.minEvents * windowSecs) / scale.horizonSecs;
        const lambda0 = Math.max(o.expected, delta / 4);
        const lambda1 = Math.max(lambda0 + delta, 3 * lambda0);
        const x = Math.min(o.count, Math.ceil(lambda1));
        const before = v[at + STATS + s]!;
        const decayed = Math.max(0, before - skipped * delta);
        const next = decayed + x * Math.log(lambda1 / lambda0) - (lambda1 - lambda0);
        v[at + STATS + s] = Math.min(this.decision + HEADROOM, Math.max(0, next));
        if (next > 0) active = true;
      });
      if (!active) {
        v[at + FIRST_MS] = 0;
        v[at + EVENTS] = 0;
        return;
      }
      any = true;
      if (!activeBefore) v[at + FIRST_MS] = o.firstMs;
      v[at + EVENTS] = v[at + EVENTS]! + o.count;
    });
    // The target ring alone is not worth keeping: it only matters while a sweep accumulates.
    return any ? v : undefined;
  }
}
