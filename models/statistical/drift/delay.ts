/**
 * A bounded FIFO of slopes waiting to be remembered: the long slope's calibrators learn each remembered
 * slope only `capacity` remembered slopes later, so a ramp is judged against the slopes the series made
 * before it for that long instead of feeding its own tail at once.
 */
export class DelayLine {
  private readonly ring: Float64Array;
  private head = 0;
  private filled = 0;

  constructor(capacity: number) {
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
}
