/**
 * What a source remembers about one external host it contacted: volumes, contact rhythm and, for a
 * host first contacted while the source learned, how much it uploads there: how big one upload window
 * is, and how many bytes per second it uploaded while learning. After learning, uploads draw on an
 * allowance (a token bucket) that holds ten of its usual upload windows and refills at ten times its
 * learned rate (in full at least once an hour): a job that uploads a few MB every few minutes keeps
 * doing so, a host touched lightly while learning and then used for a dump runs dry within a window.
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
  learnedUp?: number,
  learnedUntilMs?: number,
  credit?: number,
  creditAtMs?: number,
];

/** What judging one window's uploads to a provisionally known host gives (see `judgeUpload`). */
export interface UploadJudgement {
  /** Bytes uploaded beyond the allowance so far, decayed. */
  excess: number;
  /** Allowance left after this window. */
  credit: number;
}

/** Headroom over what was learned of a provisionally known host: its allowance holds and refills this many times that. */
const PROVISIONAL_HEADROOM = 10;
/**
 * The shortest learning span a learned upload rate is measured over: a source seen for only a window
 * before its learning ended says little about how often it uploads.
 */
const MIN_LEARNED_SPAN_MS = 60_000;
/** The allowance refills in full at least this often. */
const MIN_REFILL_MS = 3600_000;
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
    /**
     * log1p(bytes uploaded) per window that uploaded to the host (windows that only downloaded say
     * nothing about how big its uploads are), learned at a bounded rate after learning.
     */
    public upPerWindow = new EwStat(0.05),
    /** Bytes uploaded after learning beyond what was learned of the host, decaying slowly. */
    public excessUp = 0,
    /** Bytes uploaded to it in the source's learning windows, and the end of the last of those windows. */
    public learnedUp = 0,
    public learnedUntilMs = 0,
    /** Upload allowance left after the last window judged (-1: full, nothing judged yet), and when. */
    public credit = -1,
    public creditAtMs = 0,
  ) {}

  /** The most the allowance holds: ten usual upload windows. */
  uploadAllowance(): number {
    return this.upPerWindow.count === 0 ? 0 : PROVISIONAL_HEADROOM * Math.expm1(this.upPerWindow.mean);
  }

  /** Bytes a second uploaded while the source (first seen at `sourceSinceMs`) learned. */
  learnedRatePerSec(sourceSinceMs: number): number {
    const spanMs = Math.max(MIN_LEARNED_SPAN_MS, this.learnedUntilMs - sourceSinceMs);
    return (1000 * this.learnedUp) / spanMs;
  }

  /**
   * A window ending at `endMs` that uploaded `bytesUp`, from a source first seen at `sourceSinceMs`:
   * what it draws from the allowance, and the excess so far (changes nothing).
   */
  judgeUpload(bytesUp: number, endMs: number, sourceSinceMs: number): UploadJudgement {
    const idleMs = Math.max(0, endMs - this.lastContactMs);
    const kept =
      this.lastContactMs === 0 ? this.excessUp : this.excessUp * 0.5 ** (idleMs / EXCESS_HALF_LIFE_MS);
    const capacity = this.uploadAllowance();
    // At least a full allowance an hour: a dependency seen only downloading while the source learned
    // (its uploads rarer than the learning period is long) may upload its usual size now and then.
    const refillPerMs = Math.max(
      (PROVISIONAL_HEADROOM * this.learnedRatePerSec(sourceSinceMs)) / 1000,
      capacity / MIN_REFILL_MS,
    );
    const refilled =
      this.credit < 0
        ? capacity
        : Math.min(capacity, this.credit + refillPerMs * Math.max(0, endMs - this.creditAtMs));
    const drawn = Math.min(refilled, bytesUp);
    return { excess: kept + bytesUp - drawn, credit: refilled - drawn };
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
      this.learnedUp,
      this.learnedUntilMs,
      round(this.credit),
      this.creditAtMs,
    ];
  }

  static fromTuple([
    f,
    known,
    cu,
    cd,
    n,
    last,
    iv,
    pt,
    up,
    excess,
    learnedUp,
    learnedUntil,
    credit,
    creditAt,
  ]: ExternalHostTuple): ExternalHostState {
    const state = new ExternalHostState(f, known, cu, cd, n, last, EwStat.from(iv, 0.2), pt);
    state.upPerWindow = EwStat.from(up, 0.05);
    state.excessUp = excess ?? 0;
    state.learnedUp = learnedUp ?? 0;
    state.learnedUntilMs = learnedUntil ?? 0;
    state.credit = credit ?? -1;
    state.creditAtMs = creditAt ?? 0;
    return state;
  }
}
