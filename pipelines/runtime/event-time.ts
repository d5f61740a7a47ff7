/**
 * Event time in Kafka mode: one clock per scored partition (a "task", as Kafka Streams calls it), each
 * the minimum of the watermarks of the inputs that feed it. A directly scored partition has one input,
 * itself; a partition of the repartition topic has one input per upstream partition (records from each
 * upstream partition arrive in their order, but two upstream forwarders interleave freely, so the newest
 * record of one of them says nothing about the other).
 *
 * An input's watermark trails its newest record by the bounded out-of-orderness. An input silent (in wall
 * time) for the idleness timeout stops holding its task back (Flink's `withIdleness`); when every input
 * of a task is idle, the task's clock is the newest watermark of them all. Clocks only move forward.
 *
 * One clock per partition rather than one per process: when a dead replica's partitions move here, their
 * backlog is scored in its own event time instead of arriving "late" against the clock of the partitions
 * this process already had.
 */

interface Input {
  maxMs: number;
  lastWallMs: number;
}

export class PartitionClock {
  private readonly inputs = new Map<string, Input>();
  /** The current clock; -Infinity until the first record. */
  clockMs = -Infinity;

  constructor(
    private readonly idleMs: number,
    private readonly outOfOrdernessMs: number,
  ) {}

  /**
   * The inputs a partition is known to have (all upstream partitions of a repartition partition): each
   * holds the clock back from now on until it delivers or goes idle, so the first input to deliver cannot
   * run ahead of the others.
   */
  expect(inputs: readonly string[], wallMs: number): void {
    for (const input of inputs)
      if (!this.inputs.has(input)) this.inputs.set(input, { maxMs: -Infinity, lastWallMs: wallMs });
  }

  /**
   * A record of `input` at `timeMs`, read at `wallMs`. Returns true when the clock may have moved: only
   * when this input's watermark moved and it was the one (or one of those) holding the clock back.
   */
  note(input: string, timeMs: number, wallMs: number): boolean {
    let entry = this.inputs.get(input);
    if (entry === undefined) {
      entry = { maxMs: timeMs, lastWallMs: wallMs };
      this.inputs.set(input, entry);
      return this.recompute(wallMs);
    }
    entry.lastWallMs = wallMs;
    if (timeMs <= entry.maxMs) return false;
    const wasHolding = entry.maxMs - this.outOfOrdernessMs <= this.clockMs;
    entry.maxMs = timeMs;
    return wasHolding || this.clockMs === -Infinity ? this.recompute(wallMs) : false;
  }

  /** Recompute from every input (idleness changes with wall time). True when the clock moved. */
  recompute(wallMs: number): boolean {
    let active = Infinity;
    let newest = -Infinity;
    for (const entry of this.inputs.values()) {
      if (entry.maxMs === -Infinity && wallMs - entry.lastWallMs >= this.idleMs) continue;
      const watermark = entry.maxMs - this.outOfOrdernessMs;
      if (watermark > newest) newest = watermark;
      if (wallMs - entry.lastWallMs < this.idleMs && watermark < active) active = watermark;
    }
    const next = active === Infinity ? newest : active;
    if (next <= this.clockMs) return false;
    this.clockMs = next;
    return true;
  }

  /**
   * The consumer group rebalanced: the inputs' forwarders may have changed (a dead replica's upstream
   * partitions now forwarded from here or elsewhere, starting with their backlog). Each input gets a full
   * idleness timeout from now before it stops holding the clock back.
   */
  restartIdleness(wallMs: number): void {
    for (const entry of this.inputs.values()) if (entry.lastWallMs < wallMs) entry.lastWallMs = wallMs;
  }

  /** Inputs that hold the clock back now (for logs and tests). */
  get size(): number {
    return this.inputs.size;
  }

  /** True when no input delivered anything for the idleness timeout. */
  idle(wallMs: number): boolean {
    for (const entry of this.inputs.values()) if (wallMs - entry.lastWallMs < this.idleMs) return false;
    return true;
  }

  /** The newest wall time any input delivered at. */
  lastWallMs(): number {
    let last = -Infinity;
    for (const entry of this.inputs.values()) last = Math.max(last, entry.lastWallMs);
    return last;
  }
}
