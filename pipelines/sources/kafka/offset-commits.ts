/**
 * The consumer's offset commits: on an interval (`commit_interval_ms`), not after every fetched batch.
 * Under a backlog a commit per partition batch was ~2,000 OffsetCommit round trips per 160,000 records,
 * each awaited before the next fetch of that broker. One commit now carries every partition handed over
 * since the last, at the offset the handler names (committableOffset: never past the first record still
 * in an open window), and is followed by the handler's afterCommit (state write-back), as before.
 *
 * Commits are still sent from inside eachBatch only (kafkajs finishes a running batch before it rejoins,
 * so a commit never names a partition that has already moved): when the interval has passed, when the
 * consumer stops, when a partition was sought or paused, when a rebalance begins (the heartbeat says
 * so; the old generation may still commit), and after every batch of a topic the hop forwards from
 * (re-forwarded records would be scored twice). What is not committed is read again by the next owner
 * (at-least-once): at most an interval's records more than before, which the scorer already tolerates.
 */
import type { RecordHandler, TopicPartition } from '../source.js';

export interface PartitionOffset {
  partition: number;
  offset: string;
}
export type CommitPayload = { topics: Array<{ topic: string; partitions: PartitionOffset[] }> };

/** The same offsets as kafkajs' consumer.commitOffsets takes them. */
export function listOf(payload: CommitPayload): Array<PartitionOffset & { topic: string }> {
  return payload.topics.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, ...p })));
}

interface Handed {
  topic: string;
  partition: number;
  /** The next offset not handed over yet. */
  next: number;
}

export class OffsetCommits {
  /** Per `topic/partition`: handed over through `next` and not committed that far yet. */
  private readonly pending = new Map<string, Handed>();
  /** The last offset committed by (or known to) this member per `topic/partition`. */
  private readonly committed = new Map<string, number>();
  private lastCommitMs: number;
  private running: Promise<void> = Promise.resolve();
  /** OffsetCommit requests sent (for tests and the debug log). */
  commits = 0;

  constructor(
    private readonly handler: Pick<RecordHandler, 'committableOffset' | 'afterCommit'>,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastCommitMs = now();
  }

  /** Every record of the partition before `next` was handed over. */
  handed(topic: string, partition: number, next: number): void {
    const key = `${topic}/${partition}`;
    const entry = this.pending.get(key);
    if (entry === undefined) this.pending.set(key, { topic, partition, next });
    else entry.next = next;
  }

  /** Whether the interval has passed since the last commit and something waits to be committed. */
  due(): boolean {
    return this.pending.size > 0 && this.now() - this.lastCommitMs >= this.intervalMs;
  }

  /**
   * Commit every pending partition at its committable offset with `send` (one request), then the
   * handler's afterCommit. One at a time. A partition whose records are all in closed windows leaves the
   * pending set; one held back by an open window stays, so a later commit moves it on as windows close.
   */
  commit(send: (payload: CommitPayload) => Promise<void>): Promise<void> {
    const run = this.running.then(() => this.commitNow(send));
    this.running = run.catch(() => undefined);
    return run;
  }

  private async commitNow(send: (payload: CommitPayload) => Promise<void>): Promise<void> {
    this.lastCommitMs = this.now();
    const byTopic = new Map<string, PartitionOffset[]>();
    const sent: Array<[string, Handed, number]> = [];
    for (const [key, h] of this.pending) {
      const next = String(h.next);
      const offset = Number(this.handler.committableOffset?.(h.topic, h.partition, next) ?? next);
      if (offset === this.committed.get(key)) continue; // nothing new: no request for it
      let partitions = byTopic.get(h.topic);
      if (partitions === undefined) byTopic.set(h.topic, (partitions = []));
      partitions.push({ partition: h.partition, offset: String(offset) });
      sent.push([key, h, offset]);
    }
    if (sent.length > 0) {
      await send({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
      this.commits++;
      for (const [key, h, offset] of sent) {
        this.committed.set(key, offset);
        // Handed over further meanwhile (h.next moved on during the request): still pending.
        if (offset >= h.next) this.pending.delete(key);
      }
    }
    await this.handler.afterCommit();
  }

  /** The last offset this member committed or read as committed, per `topic/partition`. */
  committedOffset(key: string): number | undefined {
    return this.committed.get(key);
  }

  setCommitted(key: string, offset: number): void {
    this.committed.set(key, offset);
  }

  /** At a join: forget the partitions this member no longer owns (their next owner commits them). */
  keepOnly(assigned: TopicPartition[]): void {
    const owned = new Set(assigned.map((a) => `${a.topic}/${a.partition}`));
    for (const key of this.pending.keys()) if (!owned.has(key)) this.pending.delete(key);
    for (const key of this.committed.keys()) if (!owned.has(key)) this.committed.delete(key);
  }

  /** Partitions handed over but not committed that far (tests, the shutdown log). */
  get pendingPartitions(): number {
    return this.pending.size;
  }
}
