/**
 * Compression codecs for kafkajs. Its own gzip codec inflates with Node's default 16 KiB output chunks:
 * a 1 MiB fetch of gzip-compressed access logs (~15x on Istio JSON) comes back through ~1,000 zlib
 * callbacks on the event loop plus a concatenation, which was 12-16 % of the scorer's CPU in
 * bench/kafka.js. Sizing the output chunk from the input (about one chunk per record batch) halves the
 * inflate cost of big batches and leaves small ones as they were (a fixed 1 MiB chunk made small batches
 * 5x slower). Same wire format both ways.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import snappy from 'snappyjs';
// kafkajs is CommonJS and Node's named-export detection misses these two: take them off the module object.
import kafkajs from 'kafkajs';

const { CompressionCodecs, CompressionTypes } = kafkajs;

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;
/** Compressed access logs inflate ~15x: one output chunk for most batches. */
const EXPECTED_RATIO = 16;

export function inflateChunkSize(compressedBytes: number): number {
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, compressedBytes * EXPECTED_RATIO));
}

export const gzipCodec = {
  compress: (encoder: { buffer: Buffer }): Promise<Buffer> => gzip(encoder.buffer),
  decompress: (buffer: Buffer): Promise<Buffer> =>
    unzip(buffer, { chunkSize: inflateChunkSize(buffer.length) }),
};

/**
 * Snappy, which kafkajs leaves to a plug-in: without it a batch compressed with snappy by a shipper
 * (librdkafka-based Fluent Bit, Vector, the Java client) fails to decode and is retried forever. The Java
 * client frames snappy in xerial's stream format (a 16-byte header, then blocks of a 4-byte big-endian
 * length and one raw snappy block); librdkafka reads both and writes raw snappy. Decompression takes
 * either; compression writes raw snappy, as librdkafka does.
 */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]); // \x82SNAPPY\0
const XERIAL_HEADER_BYTES = 16;

export function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, 8).equals(XERIAL_MAGIC))
    return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < buffer.length) {
    if (at + 4 > buffer.length) throw new Error('snappy: truncated xerial block header');
    const size = buffer.readUInt32BE(at);
    at += 4;
    if (at + size > buffer.length) throw new Error('snappy: truncated xerial block');
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at, at + size))));
    at += size;
  }
  return Buffer.concat(blocks);
}

export const snappyCodec = {
  compress: async (encoder: { buffer: Buffer }): Promise<Buffer> =>
    Buffer.from(snappy.compress(encoder.buffer)),
  decompress: async (buffer: Buffer): Promise<Buffer> => snappyDecompress(buffer),
};

/** Idempotent; kafkajs keeps codecs in one module-wide table. */
export function registerKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
  CompressionCodecs[CompressionTypes.Snappy] = () => snappyCodec;
}
