import { describe, expect, it } from 'vitest';
import {
  OffsetCommits,
  listOf,
  type CommitPayload,
} from '../../../../../pipelines/sources/kafka/offset-commits.js';

/** A handler whose records of one partition are held back from `heldFrom` on (an open window). */
function handler() {
  const calls: string[] = [];
  const held = new Map<string, number>();
  return {
    calls,
    held,
    committableOffset: (topic: string, partition: number, next: string) => {
      const from = held.get(`${topic}/${partition}`);
      return from !== undefined && from < Number(next) ? String(from) : next;
    },
    afterCommit: async () => void calls.push('afterCommit'),
  };
}

function setup(intervalMs = 1000) {
  let now = 0;
  const h = handler();
  const commits = new OffsetCommits(h, intervalMs, () => now);
  const sent: CommitPayload[] = [];
  const send = async (payload: CommitPayload) => {
    h.calls.push('commit');
    sent.push(payload);
  };
  return { commits, h, sent, send, advance: (ms: number) => (now += ms) };
}

describe('offset commits on an interval', () => {
  it('is due only once the interval has passed and something was handed over', () => {
    const { commits, advance } = setup();
    advance(5000);
    expect(commits.due()).toBe(false);
    commits.handed('logs', 0, 10);
    expect(commits.due()).toBe(true);
    const fresh = setup();
    fresh.commits.handed('logs', 0, 10);
    expect(fresh.commits.due()).toBe(false);
    fresh.advance(999);
    expect(fresh.commits.due()).toBe(false);
    fresh.advance(1);
    expect(fresh.commits.due()).toBe(true);
  });

  it('commits every partition handed over in one request, then writes state', async () => {
    const { commits, h, sent, send, advance } = setup();
    commits.handed('logs', 0, 10);
    commits.handed('logs', 0, 25);
    commits.handed('logs', 1, 7);
    commits.handed('hop', 3, 100);
    advance(1000);
    await commits.commit(send);
    expect(sent).toHaveLength(1);
    expect(listOf(sent[0]!)).toEqual([
      { topic: 'logs', partition: 0, offset: '25' },
      { topic: 'logs', partition: 1, offset: '7' },
      { topic: 'hop', partition: 3, offset: '100' },
    ]);
    expect(h.calls).toEqual(['commit', 'afterCommit']);
    expect(commits.pendingPartitions).toBe(0);
    expect(commits.due()).toBe(false);
    expect(commits.committedOffset('logs/0')).toBe(25);
  });

  it('never commits past a record of an open window, and moves on once the window closed', async () => {
    const { commits, h, sent, send } = setup(0);
    h.held.set('logs/0', 4);
    commits.handed('logs', 0, 10);
    await commits.commit(send);
    expect(listOf(sent[0]!)).toEqual([{ topic: 'logs', partition: 0, offset: '4' }]);
    // Still held: the partition stays pending, and the same offset is not sent again.
    expect(commits.pendingPartitions).toBe(1);
    await commits.commit(send);
    expect(sent).toHaveLength(1);
    expect(h.calls).toEqual(['commit', 'afterCommit', 'afterCommit']);
    // The window closed: the next commit takes the partition to where it was handed over.
    h.held.delete('logs/0');
    await commits.commit(send);
    expect(listOf(sent[1]!)).toEqual([{ topic: 'logs', partition: 0, offset: '10' }]);
    expect(commits.pendingPartitions).toBe(0);
  });

  it('keeps a partition pending that was handed over further during the request', async () => {
    const { commits, sent } = setup(0);
    commits.handed('logs', 0, 10);
    await commits.commit(async (payload) => {
      sent.push(payload);
      commits.handed('logs', 0, 20);
    });
    expect(listOf(sent[0]!)).toEqual([{ topic: 'logs', partition: 0, offset: '10' }]);
    expect(commits.pendingPartitions).toBe(1);
    await commits.commit(async (payload) => void sent.push(payload));
    expect(listOf(sent[1]!)).toEqual([{ topic: 'logs', partition: 0, offset: '20' }]);
  });

  it('runs one commit at a time, in order', async () => {
    const { commits } = setup(0);
    const order: string[] = [];
    let release: () => void = () => undefined;
    commits.handed('logs', 0, 1);
    const first = commits.commit(
      () =>
        new Promise<void>((resolve) => {
          order.push('first starts');
          commits.handed('logs', 1, 1);
          release = () => {
            order.push('first ends');
            resolve();
          };
        }),
    );
    await new Promise((r) => setTimeout(r, 0));
    const second = commits.commit(async () => void order.push('second'));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['first starts']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first starts', 'first ends', 'second']);
  });

  it('leaves a failed commit pending, and forgets partitions that moved away at a join', async () => {
    const { commits, sent, send } = setup(0);
    commits.handed('logs', 0, 10);
    commits.handed('logs', 1, 10);
    await expect(
      commits.commit(async () => {
        throw new Error('REBALANCE_IN_PROGRESS');
      }),
    ).rejects.toThrow('REBALANCE_IN_PROGRESS');
    expect(commits.pendingPartitions).toBe(2);
    commits.keepOnly([{ topic: 'logs', partition: 1 }]);
    await commits.commit(send);
    expect(listOf(sent[0]!)).toEqual([{ topic: 'logs', partition: 1, offset: '10' }]);
    expect(commits.committedOffset('logs/0')).toBeUndefined();
  });
});
