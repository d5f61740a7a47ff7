/**
 * Placeholders for a record batch whose records could not be decompressed. kafkajs decodes a compressed
 * batch by reading as many records from the codec's output as the batch header announces; its codec
 * interface is handed the compressed bytes only. So a failing codec answers with a run of placeholder
 * records (offset deltas 0, 1, 2, ...; kafkajs reads the first N and ignores the rest), each naming one
 * failure. The consumer sees the batch's offsets as usual, dead-letters the failure once with its reason
 * and a sample of the raw bytes, and commits past it: the partition goes on instead of crash-looping.
 */
import type { Logger } from 'pino';
import { deadLetterJson } from '../../core/dead-letter.js';
import type { Metrics } from '../../core/metrics.js';
import type { OutRecord, RecordProducer } from '../bus/types.js';

/** More records than any producer puts in one batch (librdkafka's batch.num.messages: 10,000). */
export const MAX_PLACEHOLDERS = 100_000;
/** Raw bytes kept for the dead letter (enough to identify the producer's framing). */
const SAMPLE_BYTES = 4096;
export const PLACEHOLDER_PREFIX = 'meshguard:undecodable:';

export interface DecodeFailure {
  reason: string;
  /** Base64 of the first SAMPLE_BYTES compressed bytes. */
  sample: string;
  compressedBytes: number;
}

const failures = new Map<string, DecodeFailure>();
let nextId = 0;

/** Writes the unsigned LEB128 of a zigzag-encoded non-negative int (Kafka's varint) at `at`. */
function writeVarint(n: number, buf: Buffer, at: number): number {
  let v = n * 2;
  while (v >= 0x80) {
    buf[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

export function placeholderRecords(reason: string, compressed: Buffer): Buffer {
  const id = String(nextId++);
  failures.set(id, {
    reason,
    sample: compressed.subarray(0, SAMPLE_BYTES).toString('base64'),
    compressedBytes: compressed.length,
  });
  const value = Buffer.from(PLACEHOLDER_PREFIX + id);
  const record = Buffer.alloc(value.length + 16);
  const out = Buffer.allocUnsafe(MAX_PLACEHOLDERS * (value.length + 20));
  let at = 0;
  for (let delta = 0; delta < MAX_PLACEHOLDERS; delta++) {
    // attributes 0, timestamp delta 0, offset delta, key null (varint -1), value, no headers
    let r = writeVarint(delta, record, 2);
    record[r++] = 1;
    r = writeVarint(value.length, record, r);
    r += value.copy(record, r);
    record[r++] = 0;
    at = writeVarint(r, out, at);
    at += record.copy(out, at, 0, r);
  }
  return out.subarray(0, at);
}

/** The failure a placeholder value names (and forgets it once its batch was handled). */
export function decodeFailureOf(value: Buffer | null): { id: string; failure: DecodeFailure } | undefined {
  if (value === null || value.length > 64 || !value.toString('latin1').startsWith(PLACEHOLDER_PREFIX))
    return undefined;
  const id = value.toString('latin1').slice(PLACEHOLDER_PREFIX.length);
  const failure = failures.get(id);
  return failure ? { id, failure } : undefined;
}

export function forgetDecodeFailure(id: string): void {
  failures.delete(id);
}

/** The failed batches of one hand-off, by failure id: reason, sample, compressed size, their offsets. */
export type FailedBatches = Map<string, { reason: string; sample: string; bytes: number; offsets: string[] }>;

/**
 * One dead letter per record batch that did not decompress, with the reason and a sample of its bytes;
 * the failures are forgotten. Answers how many batches were set aside.
 */
export async function deadLetterUndecodable(
  topic: string,
  partition: number,
  failed: FailedBatches,
  deps: { logger: Logger; metrics?: Metrics; producer?: RecordProducer; dlqTopic: string },
): Promise<number> {
  const letters: OutRecord[] = [];
  for (const [id, f] of failed) {
    forgetDecodeFailure(id);
    const offsets = `${f.offsets[0]}-${f.offsets[f.offsets.length - 1]}`;
    deps.logger.error(
      { topic, partition, offsets, records: f.offsets.length, reason: f.reason },
      'A record batch could not be decoded; it goes to the dead-letter topic',
    );
    deps.metrics?.eventsRejected.inc(
      { source: 'kafka', format: 'record-batch', reason: 'undecodable_batch' },
      f.offsets.length,
    );
    letters.push({
      key: null,
      value: deadLetterJson(
        `base64:${f.sample}`,
        `${f.reason} (${f.offsets.length} records, offsets ${offsets}, ${f.bytes} compressed bytes)`,
        { source: 'kafka', topic, partition, offset: f.offsets[0]!, format: 'record-batch' },
        new Date().toISOString(),
      ),
    });
  }
  try {
    await deps.producer?.send(deps.dlqTopic, letters);
    deps.metrics?.deadLettered.inc({ destination: 'kafka' }, letters.length);
  } catch (error) {
    deps.logger.warn(
      { error: (error as Error).message },
      'Could not write the undecodable batch to the dead-letter topic',
    );
  }
  return letters.length;
}
