/**
 * A service's request shapes and how often each was seen, bounded: when full, a new shape replaces the
 * least seen one (the earliest remembered among equals). A min-heap on (count, arrival) finds it in
 * O(log n); a scan of every shape on each new one was a tenth of a replay once a service's shapes
 * outgrew the bound (a long tail of one-off shapes, each evicting another).
 */

export interface ShapeEntry {
  readonly tokens: readonly string[];
  count: number;
}

interface Slot extends ShapeEntry {
  readonly key: string;
  /** Arrival order: among equally rare shapes the earliest goes first. */
  readonly seq: number;
  /** Index in the heap. */
  at: number;
}

export class ShapeCounts {
  /** Insertion order is arrival order: what the network is fitted on, in that order. */
  private readonly byKey = new Map<string, Slot>();
  private readonly heap: Slot[] = [];
  private arrivals = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.byKey.size;
  }

  get(shape: string): ShapeEntry | undefined {
    return this.byKey.get(shape);
  }

  values(): IterableIterator<ShapeEntry> {
    return this.byKey.values();
  }

  /** One more request of this shape. */
  remember(shape: string, tokens: readonly string[]): void {
    const slot = this.byKey.get(shape);
    if (slot !== undefined) {
      slot.count++;
      this.down(slot.at);
      return;
    }
    if (this.byKey.size >= this.max) this.evictRarest();
    const fresh: Slot = { key: shape, tokens, count: 1, seq: this.arrivals++, at: this.heap.length };
    this.byKey.set(shape, fresh);
    this.heap.push(fresh);
    this.up(fresh.at);
  }

  private evictRarest(): void {
    const rarest = this.heap[0]!;
    const last = this.heap.pop()!;
    this.byKey.delete(rarest.key);
    if (last === rarest) return;
    this.place(last, 0);
    this.down(0);
  }

  private less(a: Slot, b: Slot): boolean {
    return a.count < b.count || (a.count === b.count && a.seq < b.seq);
  }

  private place(slot: Slot, at: number): void {
    this.heap[at] = slot;
    slot.at = at;
  }

  private up(at: number): void {
    const slot = this.heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(slot, this.heap[parent]!)) break;
      this.place(this.heap[parent]!, at);
      at = parent;
    }
    this.place(slot, at);
  }

  private down(at: number): void {
    const slot = this.heap[at]!;
    const n = this.heap.length;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && this.less(this.heap[child + 1]!, this.heap[child]!)) child++;
      if (!this.less(this.heap[child]!, slot)) break;
      this.place(this.heap[child]!, at);
      at = child;
    }
    this.place(slot, at);
  }
}
