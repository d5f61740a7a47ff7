/**
 * The records of one partition that still count in windows not yet closed, in offset order: the
 * partition's commit stops at the first of them, so a replica that takes the partition over reads them
 * again (open windows live in memory only; closed ones are in the entity snapshots).
 */
/**
 * Records held per partition at most. A window that never closes (an event stamped far in the future holds
 * one open) must not hold the commit back without end: past this, the oldest is given up (a new owner
 * would not read it again) and counted.
 */
export const MAX_OPEN_RECORDS = 100_000;

export class OpenRecords {
  /** Records given up at the bound. */
  givenUp = 0;
  /** Offsets, and the newest event time of each record, oldest first; `head` entries are done. */
  private readonly offsets: number[] = [];
  private readonly newestMs: number[] = [];
  private head = 0;

  /** A record at `offset` gave an event at `timeMs` (records of one partition arrive in offset order). */
  note(offset: number, timeMs: number): void {
    const last = this.offsets.length - 1;
    if (last >= this.head && this.offsets[last] === offset) {
      if (timeMs > this.newestMs[last]!) this.newestMs[last] = timeMs;
      return;
    }
    this.offsets.push(offset);
    this.newestMs.push(timeMs);
    if (this.offsets.length - this.head > MAX_OPEN_RECORDS) {
      this.head++;
      this.givenUp++;
    }
  }

  /**
   * The first offset whose record has an event at or after `closedBeforeMs` (in a window still open), after
   * forgetting the records before it; undefined when every record is in closed windows.
   */
  firstOpen(closedBeforeMs: number): number | undefined {
    while (this.head < this.offsets.length && this.newestMs[this.head]! < closedBeforeMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.newestMs.splice(0, this.head);
      this.head = 0;
    }
    return this.head < this.offsets.length ? this.offsets[this.head] : undefined;
  }
}
