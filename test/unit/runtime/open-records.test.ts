/** Where a partition's commit stops: the first record still in an open window, within a bound. */
import { describe, expect, it } from 'vitest';
import { MAX_OPEN_RECORDS, OpenRecords } from '../../../services/scorer/open-records.js';

describe('OpenRecords', () => {
  it('names the first record with an event at or after the closed boundary', () => {
    const open = new OpenRecords();
    open.note(10, 1_000);
    open.note(11, 12_000);
    open.note(11, 5_000); // another event of the same record (a pack): its newest time counts
    open.note(12, 9_000); // out of order, behind a record still open
    expect(open.firstOpen(10_000)).toBe(11);
    expect(open.firstOpen(20_000)).toBeUndefined();
  });

  it('gives up the oldest record past the bound, so a window that never closes cannot hold the commit forever', () => {
    const open = new OpenRecords();
    const future = 8e15;
    open.note(0, future);
    for (let o = 1; o <= MAX_OPEN_RECORDS; o++) open.note(o, o);
    expect(open.givenUp).toBe(1);
    expect(open.firstOpen(MAX_OPEN_RECORDS / 2)).toBe(MAX_OPEN_RECORDS / 2);
  });
});
