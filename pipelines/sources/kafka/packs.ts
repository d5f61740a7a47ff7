/**
 * Packs: the repartition hop writes the records bound for one partition of its internal topic as one Kafka
 * message (their texts joined by newlines, the count in `meshguard.packed`), not one message per record.
 * kafkajs pays per message on both sides (record encoding, varints, CRC, partitioner, decoding), and on the
 * hop that cost was larger than parsing and scoring the record. The topic is meshguard's own, so the
 * framing is too; per-entity order holds, since a pack keeps its records in order and goes to the
 * partition its keys hash to (the same murmur2 partitioner as keyed sends).
 *
 * A forwarder also keeps, in memory and bounded, the events it parsed each pack into (`Carried`): with one
 * scorer, or whenever a pack lands on a partition its forwarder owns, the records come back and are not
 * parsed a second time.
 */
import kafkajs, { type PartitionMetadata } from 'kafkajs';
import type { MeshEvent } from '../../core/event.js';

/** Number of records in a packed message (absent: one record, as any producer writes it). */
export const PACKED_HEADER = 'meshguard.packed';
/** `<forwarder>:<sequence>`: finds the events the forwarder parsed the pack into. */
export const PACK_ID_HEADER = 'meshguard.pack';

/** Text per pack: well below a broker's default message.max.bytes (1 MiB) even before compression. */
export const MAX_PACK_CHARS = 256 * 1024;

const { Partitioners } = kafkajs;
const partitioner = Partitioners.DefaultPartitioner();
const metadataOf = new Map<number, PartitionMetadata[]>();

/** Entities are few and recur: murmur2 over a Buffer per record cost more than packing itself. */
const partitionCache = new Map<string, number>();
const MAX_CACHED_KEYS = 50_000;

/** The partition kafkajs' default (Java-compatible murmur2) partitioner gives `key` among `count`. */
export function partitionOfKey(key: string, count: number): number {
  const cacheKey = `${count}/${key}`;
  let partition = partitionCache.get(cacheKey);
  if (partition !== undefined) return partition;
  if (partitionCache.size >= MAX_CACHED_KEYS) partitionCache.clear();
  partition = murmur2Partition(key, count);
  partitionCache.set(cacheKey, partition);
  return partition;
}

function murmur2Partition(key: string, count: number): number {
  let partitionMetadata = metadataOf.get(count);
  if (partitionMetadata === undefined) {
    partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    metadataOf.set(count, partitionMetadata);
  }
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

export interface PackInput {
  key: string | null;
  value: string;
  /** `value`'s UTF-8 bytes as they were read, when at hand: the pack is built from them, not re-encoded. */
  bytes?: Buffer;
  /** The events the forwarder parsed `value` into, when it parsed all of it. */
  events?: MeshEvent[];
  format: string;
  /** Where the record was read: its upstream offset and Kafka timestamp (copies.ts). */
  origin?: { offset: number; timeMs: number };
}

export interface Pack {
  partition: number;
  /** The records' key when there is one record (kept as a keyed producer would write it). */
  key: string | null;
  values: string[];
  /** Each value's bytes, when the input had them (see packBytes). */
  bytes: Array<Buffer | undefined>;
  events: Array<MeshEvent[] | undefined>;
  formats: string[];
  /** Each record's upstream offset and timestamp, when every input had them. */
  offsets: number[];
  times: number[];
}

const NEWLINE = Buffer.from('\n');

/**
 * A pack's message value: its records' bytes joined by newlines in one Buffer. Concatenating the bytes as
 * read costs a fifth of `values.join('\n')` followed by kafkajs' UTF-8 encoding of that string.
 */
export function packBytes(pack: Pack): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < pack.values.length; i++) {
    if (i > 0) parts.push(NEWLINE);
    parts.push(pack.bytes[i] ?? Buffer.from(pack.values[i]!, 'utf8'));
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * Group records by the partition their key hashes to, in order, into packs of at most MAX_PACK_CHARS.
 * A text holding a newline (a pretty-printed JSON document) travels alone, unpacked.
 */
export function packByPartition(records: PackInput[], partitions: number): Pack[] {
  const packs: Pack[] = [];
  const open = new Map<number, { pack: Pack; chars: number }>();
  const start = (partition: number, key: string | null): Pack => ({
    partition,
    key,
    values: [],
    bytes: [],
    events: [],
    formats: [],
    offsets: [],
    times: [],
  });
  for (const r of records) {
    const partition = partitionOfKey(r.key ?? '', partitions);
    if (r.value.includes('\n')) {
      const alone = start(partition, r.key);
      add(alone, r);
      packs.push(alone);
      continue;
    }
    let current = open.get(partition);
    // Full; but the records split from one upstream message stay together, so a pack never holds part
    // of an upstream offset that another pack holds too (copies.ts judges by offset).
    if (
      current !== undefined &&
      current.chars + r.value.length > MAX_PACK_CHARS &&
      (r.origin === undefined || current.pack.offsets.at(-1) !== r.origin.offset)
    ) {
      open.delete(partition);
      current = undefined;
    }
    if (current === undefined) {
      current = { pack: start(partition, r.key), chars: 0 };
      open.set(partition, current);
      packs.push(current.pack);
    }
    add(current.pack, r);
    current.chars += r.value.length + 1;
  }
  for (const pack of packs)
    if (pack.offsets.length !== pack.values.length) {
      pack.offsets = [];
      pack.times = [];
    }
  return packs;
}

function add(pack: Pack, r: PackInput): void {
  pack.values.push(r.value);
  pack.bytes.push(r.bytes);
  pack.events.push(r.events);
  pack.formats.push(r.format);
  if (r.origin !== undefined) {
    pack.offsets.push(r.origin.offset);
    pack.times.push(r.origin.timeMs);
  }
}

/** The record texts of a consumed message: its lines when it is a pack, else the value itself. */
export function unpack(value: string, packedHeader: string | undefined): string[] {
  const count = Number(packedHeader);
  if (!(count > 1)) return [value];
  const lines = value.split('\n');
  // Not what a meshguard forwarder writes: the whole value goes on and is rejected with its reason.
  return lines.length === count ? lines : [value];
}

export interface Carried {
  partition: number;
  events: Array<MeshEvent[] | undefined>;
  formats: string[];
}

/**
 * Parsed packs waiting for their copy to come back, bounded by events (the oldest go first): a pack that
 * lands on another replica, or one evicted, is parsed where it is read, as usual.
 */
export class CarriedPacks {
  private readonly packs = new Map<string, Carried>();
  private events = 0;

  constructor(private readonly maxEvents = 200_000) {}

  put(id: string, carried: Carried): void {
    this.packs.set(id, carried);
    this.events += carried.events.length;
    while (this.events > this.maxEvents) {
      // Map order is insertion order: the first entry is the oldest.
      const oldest = this.packs.keys().next().value as string;
      this.drop(oldest);
    }
  }

  /** The events a pack was parsed into, once. */
  take(id: string | undefined): Carried | undefined {
    if (id === undefined) return undefined;
    const carried = this.packs.get(id);
    if (carried !== undefined) this.drop(id);
    return carried;
  }

  /** Forget the packs bound for partitions this replica no longer owns (another replica reads them). */
  keepOnly(owned: (partition: number) => boolean): void {
    for (const [id, carried] of this.packs) if (!owned(carried.partition)) this.drop(id);
  }

  get size(): number {
    return this.packs.size;
  }

  /** Events held, summed over the packs. */
  get heldEvents(): number {
    return this.events;
  }

  /** Give up on the oldest packs until at most `maxEvents` are held (they are parsed again if they come back). */
  dropOldestTo(maxEvents: number): void {
    while (this.events > maxEvents) this.drop(this.packs.keys().next().value as string);
  }

  private drop(id: string): void {
    const carried = this.packs.get(id);
    if (carried === undefined) return;
    this.packs.delete(id);
    this.events -= carried.events.length;
  }
}
