/**
 * The dead-letter record: what meshguard writes to the dead-letter topic (or file) for a record it could
 * not use, with the reason, so nothing is dropped silently. One builder for every source (HTTP ingest,
 * Kafka scorer, embedded bus); the metric label is the reason's bounded class.
 */

/** A rejected record is cut to this many characters in its dead letter (the reason says what was wrong). */
export const MAX_DEAD_LETTER_RECORD_CHARS = 64 * 1024;

export interface DeadLetterOrigin {
  /** Which source refused it (http, kafka, bus). */
  source: string;
  format: string;
  /** HTTP ingest: the endpoint it was posted to. */
  endpoint?: string;
  /** Kafka: where it was read. */
  topic?: string;
  partition?: number;
  offset?: string;
}

/** The JSON text of one dead letter: reason first, then where it came from, then the (possibly cut) record. */
export function deadLetterJson(
  record: string,
  reason: string,
  origin: DeadLetterOrigin,
  receivedAt: string,
): string {
  const cut = record.length > MAX_DEAD_LETTER_RECORD_CHARS;
  return JSON.stringify({
    reason,
    source: origin.source,
    ...(origin.endpoint !== undefined ? { endpoint: origin.endpoint } : {}),
    ...(origin.topic !== undefined ? { topic: origin.topic } : {}),
    ...(origin.partition !== undefined ? { partition: origin.partition } : {}),
    ...(origin.offset !== undefined ? { offset: origin.offset } : {}),
    format: origin.format,
    receivedAt,
    record: cut ? record.slice(0, MAX_DEAD_LETTER_RECORD_CHARS) : record,
    ...(cut ? { truncated: true } : {}),
  });
}

/**
 * Rejection reasons are free text (they name the field and the value); the metric label must be bounded.
 * The class is the reason's leading phrase, slugged, and at most MAX_CLASSES distinct values ever.
 */
const MAX_CLASSES = 32;
const seen = new Set<string>();

export function reasonClass(reason: string): string {
  const head = reason.split(/[:(\[{"]/)[0]!.toLowerCase();
  const slug =
    head
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .split('_')
      .slice(0, 5)
      .join('_') || 'other';
  if (seen.has(slug)) return slug;
  if (seen.size >= MAX_CLASSES) return 'other';
  seen.add(slug);
  return slug;
}
