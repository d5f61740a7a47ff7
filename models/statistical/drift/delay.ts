/**
 * A bounded FIFO of raw scores waiting to be remembered by calibrators: each is learned only `capacity`
 * remembered values later, so a ramp, a climb to a new level or a changed pattern is judged against what
 * the series did before it for that long instead of feeding its own tail at once. `defer` serves a pair of
 * calibrators (rises and drops: the long slope, the rare level, the daily shape); `shift` and `push` let
 * one calibrator wait (context novelty).
 */
import type { TailCalibrator } from '../calibration/tail-calibrator.js';

export class DelayLine {
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;

  /** `clip`: the calibrators learn max(x, 0) and max(−x, 0) (slopes), else x and −x (levels). */
  constructor(
    capacity: number,
    private readonly clip = true,
  ) {
    this.ring = new Float64Array(Math.max(0, Math.floor(capacity)));
  }

  get capacity(): number {
    return this.ring.length;
  }

  get full(): boolean {
    return this.filled === this.ring.length;
  }

  get empty(): boolean {
    return this.filled === 0;
  }

  /** The oldest value, removed (NaN when empty). */
  shift(): number {
    if (this.filled === 0) return NaN;
    const n = this.ring.length;
    const out = this.ring[(this.head - this.filled + n) % n]!;
    this.filled--;
    return out;
  }

  /** Append (the caller shifts first when full). */
  push(x: number): void {
    const n = this.ring.length;
    if (n === 0 || this.filled === n) return;
    this.ring[this.head] = x;
    this.head = (this.head + 1) % n;
    this.filled++;
  }

  /**
   * A value due to be remembered now: queued (the oldest waiting one is learned when the queue is full),
   * or, when `flush` (a detection was just reported: the change is the new normal), everything waiting
   * is learned and so is x. Returns false when x itself must be learned by the caller (no delay, or
   * flushing), true when it was queued.
   */
  defer(x: number, up: TailCalibrator, down: TailCalibrator, flush: boolean): boolean {
    if (this.ring.length === 0) return false;
    if (flush) {
      while (this.filled > 0) this.learn(this.shift(), up, down);
      return false;
    }
    if (this.full) this.learn(this.shift(), up, down);
    this.push(x);
    return true;
  }

  private learn(x: number, up: TailCalibrator, down: TailCalibrator): void {
    up.updateScore(this.clip ? Math.max(x, 0) : x);
    down.updateScore(this.clip ? Math.max(-x, 0) : -x);
  }
}
