/**
 * Compression codecs for kafkajs: all five of Kafka's (none, gzip, snappy, lz4, zstd), read and written.
 * kafkajs ships gzip only; without the others a batch a shipper compressed with them (librdkafka-based
 * Fluent Bit, Vector, the OTel collector) fails to decode and the consumer crashes on it in a loop.
 *
 * - gzip: Node's zlib, with the inflate output chunk sized from the input. Its default 16 KiB chunks
 *   made a 1 MiB fetch of gzip access logs (~15x) cost ~1,000 zlib callbacks (12-16 % of the scorer's
 *   CPU in bench/kafka.js).
 * - snappy: snappyjs; raw snappy or the Java client's xerial framing on read, raw on write (librdkafka).
 * - lz4: lz4-napi, the LZ4 frame format Kafka uses since 0.10 (KIP-57).
 * - zstd: zstd-codec (the reference C library compiled to WebAssembly); streaming decompression, since
 *   the Java client and librdkafka write frames without a content size.
 *
 * A batch that does not decompress (corrupt, or a codec bug) must not stop the partition: the codec
 * answers with placeholder records instead (undecodable.ts), which the consumer dead-letters with the
 * reason and commits past.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { compressFrame, decompressFrame } from 'lz4-napi';
import snappy from 'snappyjs';
import { ZstdCodec } from 'zstd-codec';
// kafkajs is CommonJS and Node's named-export detection misses these two: take them off the module object.
import kafkajs from 'kafkajs';
import { placeholderRecords } from './undecodable.js';

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

export interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

export const gzipCodec: Codec = {
  compress: (encoder) => gzip(encoder.buffer),
  decompress: (buffer) => unzip(buffer, { chunkSize: inflateChunkSize(buffer.length) }),
};

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

export const snappyCodec: Codec = {
  compress: async (encoder) => Buffer.from(snappy.compress(encoder.buffer)),
  decompress: async (buffer) => snappyDecompress(buffer),
};

export const lz4Codec: Codec = {
  compress: (encoder) => compressFrame(encoder.buffer),
  decompress: (buffer) => decompressFrame(buffer),
};

interface ZstdApi {
  Streaming: new () => {
    compress(data: Uint8Array, level?: number): Uint8Array | null;
    decompress(data: Uint8Array): Uint8Array | null;
  };
}
let zstdApi: Promise<ZstdApi> | undefined;
/** The WebAssembly module loads once, on first use. */
const loadZstd = (): Promise<ZstdApi> =>
  (zstdApi ??= new Promise((resolve) => ZstdCodec.run((api: ZstdApi) => resolve(api))));
/** librdkafka's and the Java client's default level. */
const ZSTD_LEVEL = 3;

export const zstdCodec: Codec = {
  compress: async (encoder) => {
    const out = new (await loadZstd()).Streaming().compress(encoder.buffer, ZSTD_LEVEL);
    if (!out) throw new Error('zstd: compression failed');
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
  decompress: async (buffer) => {
    const out = new (await loadZstd()).Streaming().decompress(buffer);
    if (!out) throw new Error('zstd: not a valid zstd frame');
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
};

/** What the consumer cannot decode becomes placeholder records (undecodable.ts), never a crash. */
export function tolerant(name: string, codec: Codec): Codec {
  return {
    compress: (encoder) => codec.compress(encoder),
    decompress: async (buffer) => {
      try {
        return await codec.decompress(buffer);
      } catch (error) {
        return placeholderRecords(`${name} decompression failed: ${(error as Error).message}`, buffer);
      }
    },
  };
}

export const CODECS = {
  gzip: gzipCodec,
  snappy: snappyCodec,
  lz4: lz4Codec,
  zstd: zstdCodec,
} as const;

/** Idempotent; kafkajs keeps codecs in one module-wide table. */
export function registerKafkaCodecs(): void {
  CompressionCodecs[CompressionTypes.GZIP] = () => tolerant('gzip', gzipCodec);
  CompressionCodecs[CompressionTypes.Snappy] = () => tolerant('snappy', snappyCodec);
  CompressionCodecs[CompressionTypes.LZ4] = () => tolerant('lz4', lz4Codec);
  CompressionCodecs[CompressionTypes.ZSTD] = () => tolerant('zstd', zstdCodec);
}
