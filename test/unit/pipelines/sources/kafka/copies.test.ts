import { describe, expect, it } from 'vitest';
import {
  TakenFromUpstream,
  decodeDeltas,
  encodeDeltas,
} from '../../../../../pipelines/sources/kafka/copies.js';

describe('copies on the repartition hop', () => {
  it('names upstream offsets and times compactly, and refuses a header that does not fit the pack', () => {
    const offsets = [1_000_000, 1_000_001, 1_000_001, 1_000_004];
    expect(encodeDeltas(offsets)).toBe('1000000,1,0,3');
    expect(decodeDeltas(encodeDeltas(offsets), 4)).toEqual(offsets);
    expect(decodeDeltas('1000000,1,0', 4)).toBeUndefined();
    expect(decodeDeltas('12,x', 2)).toBeUndefined();
    expect(decodeDeltas(undefined, 1)).toBeUndefined();
  });

  it('drops what was taken before, keeps what is new in a pack that straddles both', () => {
    const taken = new TakenFromUpstream();
    const t = (o: number) => 1_700_000_000_000 + o * 10;
    const first = taken.judge(3, 'upstream/0', [10, 11, 12], [t(10), t(11), t(12)]);
    expect(first).toEqual({ fresh: [true, true, true], copies: 0, restarted: 0 });
    // Forwarded again from the last commit (offset 11), with records beyond it.
    const again = taken.judge(3, 'upstream/0', [11, 12, 13, 14], [t(11), t(12), t(13), t(14)]);
    expect(again).toEqual({ fresh: [false, false, true, true], copies: 2, restarted: 0 });
    // Another upstream partition, and another repartition partition, are judged on their own.
    expect(taken.judge(3, 'upstream/1', [11], [t(11)]).fresh).toEqual([true]);
    expect(taken.judge(4, 'upstream/0', [11], [t(11)]).fresh).toEqual([true]);
  });

  it('reads a recreated upstream topic as new records, not as copies', () => {
    const taken = new TakenFromUpstream();
    taken.judge(0, 'upstream/2', [500, 501], [1000, 1001]);
    const recreated = taken.judge(0, 'upstream/2', [0, 1, 2], [5000, 5001, 5002]);
    expect(recreated).toEqual({ fresh: [true, true, true], copies: 0, restarted: 1 });
    // And copies of those are dropped again.
    expect(taken.judge(0, 'upstream/2', [2, 3], [5002, 5003]).fresh).toEqual([false, true]);
  });

  it('forgets the partitions that moved to another reader', () => {
    const taken = new TakenFromUpstream();
    taken.judge(0, 'upstream/0', [7], [70]);
    taken.judge(1, 'upstream/0', [7], [70]);
    taken.keepOnly((p) => p === 1);
    expect(taken.judge(0, 'upstream/0', [7], [70]).fresh).toEqual([true]);
    expect(taken.judge(1, 'upstream/0', [7], [70]).fresh).toEqual([false]);
  });
});
