/**
 * Copies on the repartition hop. The hop is at-least-once: a forwarder killed after its packs were
 * written but before it committed the upstream offsets has those records forwarded again by the next
 * reader of the upstream partition, and counted twice they would inflate every volume an uninterrupted
 * run sees (and bring escalations forward). So each pack names where its records came from, the upstream
 * offset and Kafka timestamp of each (`meshguard.offsets`, `meshguard.times`), and the reader of a
 * repartition partition drops a record of upstream partition u it has already taken: one whose offset is
 * at or below the highest it took from u and whose timestamp is no newer than the newest it took from u.
 *
 * The timestamp keeps a recreated or truncated upstream topic from being taken for copies: its offsets
 * start again from 0, but its records were written later than anything read before, so they are taken
 * (and logged); a copy carries its original's timestamp. Where timestamps are not in order either way,
 * the rule errs towards counting twice, never towards losing a record.
 */

/** Upstream offsets of a pack's records: the first, then the differences (`120,1,1,3`). */
export const OFFSETS_HEADER = 'meshguard.offsets';
/** Kafka timestamps (ms) of the upstream records, encoded the same way. */
export const TIMES_HEADER = 'meshguard.times';

/** `values` as the first then each one's difference from the one before. */
export function encodeDeltas(values: readonly number[]): string {
  let out = '';
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    out += i === 0 ? String(values[i]) : `,${values[i]! - previous}`;
    previous = values[i]!;
  }
  return out;
}

/** The values of encodeDeltas, or undefined when the text is not `count` integers. */
export function decodeDeltas(text: string | undefined, count: number): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',');
  if (parts.length !== count) return undefined;
  const out: number[] = [];
  let value = 0;
  for (let i = 0; i < parts.length; i++) {
    const n = Number(parts[i]);
    if (!Number.isSafeInteger(n)) return undefined;
    value = i === 0 ? n : value + n;
    out.push(value);
  }
  return out;
}

export interface CopyVerdicts {
  /** Per record: true for the first time it is read, false for a copy. */
  fresh: boolean[];
  copies: number;
  /** Records whose offset went back below what was taken without being copies (a recreated topic). */
  restarted: number;
}

interface Taken {
  offset: number;
  timeMs: number;
}

/** What a reader of repartition partitions has taken from each upstream partition, per partition. */
export class TakenFromUpstream {
  private readonly taken = new Map<string, Taken>();

  /** Judge a pack's records, in order, and remember them. */
  judge(partition: number, upstream: string, offsets: number[], times: number[]): CopyVerdicts {
    const key = `${partition}/${upstream}`;
    let taken = this.taken.get(key);
    const fresh: boolean[] = [];
    let copies = 0;
    let restarted = 0;
    for (let i = 0; i < offsets.length; i++) {
      const offset = offsets[i]!;
      const timeMs = times[i]!;
      if (taken === undefined) {
        taken = { offset, timeMs };
        this.taken.set(key, taken);
        fresh.push(true);
      } else if (offset > taken.offset) {
        taken.offset = offset;
        if (timeMs > taken.timeMs) taken.timeMs = timeMs;
        fresh.push(true);
      } else if (timeMs <= taken.timeMs) {
        copies++;
        fresh.push(false);
      } else {
        // Back below what was taken, yet newer than all of it: the upstream offsets started again.
        restarted++;
        taken.offset = offset;
        taken.timeMs = timeMs;
        fresh.push(true);
      }
    }
    return { fresh, copies, restarted };
  }

  /** Forget the partitions this reader no longer owns (their next owner reads them from the commit). */
  keepOnly(owned: (partition: number) => boolean): void {
    for (const key of this.taken.keys())
      if (!owned(Number(key.slice(0, key.indexOf('/'))))) this.taken.delete(key);
  }
}
