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

/** Idempotent; kafkajs keeps codecs in one module-wide table. */
export function registerKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => gzipCodec;
}
