/** Time is injected: event time in replay, wall time in serve, a fake clock in tests. */
export interface Clock {
  nowMs(): number;
}

export const wallClock: Clock = { nowMs: () => Date.now() };

/** A clock that follows the newest event time seen (replay and tests). */
export class EventClock implements Clock {
  private current = 0;
  advance(timeMs: number): void {
    if (timeMs > this.current) this.current = timeMs;
  }
  nowMs(): number {
    return this.current;
  }
}
