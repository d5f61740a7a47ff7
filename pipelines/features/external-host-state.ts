/**
 * What a source remembers about one external host it contacted: volumes, contact rhythm and, for a
 * host first contacted while the source learned, how much it uploads there per window.
 */
import { EwStat, round } from './stats.js';

type Stat = [number, number, number];
/**
 * A host in a snapshot. The last two are absent from snapshots written before provisional hosts
 * existed: the host's learned volume then starts over.
 */
export type ExternalHostTuple = [
  firstSeenMs: number,
  known: boolean,
  cumulativeUp: number,
  cumulativeDown: number,
  contacts: number,
  lastContactMs: number,
  intervals: Stat,
  passthrough: boolean,
  upPerWindow?: Stat,
  excessUp?: number,
];

/** A window may upload this many times the learned volume to a provisionally known host before it is excess. */
const PROVISIONAL_HEADROOM = 10;
/** Excess uploads are forgotten with a half-life of a day: a genuine dependency's odd spikes do not add up forever. */
const EXCESS_HALF_LIFE_MS = 24 * 3600 * 1000;

export class ExternalHostState {
  constructor(
    public firstSeenMs: number,
    /**
     * True when the host was first contacted during the source's learning period: provisionally known.
     * Learning does not vouch for it for good: its uploads are held to what was learned of it
     * (`upPerWindow`), and what goes past that adds up in `excessUp`.
     */
    public known: boolean,
    public cumulativeUp = 0,
    public cumulativeDown = 0,
    public contacts = 0,
    public lastContactMs = 0,
    public intervals = new EwStat(0.2),
    public passthrough = false,
    /** log1p(bytes uploaded) per window that contacted the host, learned at a bounded rate. */
    public upPerWindow = new EwStat(0.05),
    /** Bytes uploaded after learning beyond what was learned of the host, decaying slowly. */
    public excessUp = 0,
  ) {}

  /** Bytes one window may upload before the rest counts as excess: a multiple of what was learned. */
  uploadAllowance(): number {
    return this.upPerWindow.count === 0 ? 0 : PROVISIONAL_HEADROOM * Math.expm1(this.upPerWindow.mean);
  }

  /** The excess after a window ending at `endMs` that uploaded `bytesUp` (changes nothing). */
  excessAfter(bytesUp: number, endMs: number): number {
    const idleMs = Math.max(0, endMs - this.lastContactMs);
    const kept =
      this.lastContactMs === 0 ? this.excessUp : this.excessUp * 0.5 ** (idleMs / EXCESS_HALF_LIFE_MS);
    return kept + Math.max(0, bytesUp - this.uploadAllowance());
  }

  toTuple(): ExternalHostTuple {
    return [
      this.firstSeenMs,
      this.known,
      this.cumulativeUp,
      this.cumulativeDown,
      this.contacts,
      this.lastContactMs,
      this.intervals.toJSON(),
      this.passthrough,
      this.upPerWindow.toJSON(),
      round(this.excessUp),
    ];
  }

  static fromTuple([f, known, cu, cd, n, last, iv, pt, up, excess]: ExternalHostTuple): ExternalHostState {
    const state = new ExternalHostState(f, known, cu, cd, n, last, EwStat.from(iv, 0.2), pt);
    state.upPerWindow = EwStat.from(up, 0.05);
    state.excessUp = excess ?? 0;
    return state;
  }
}
