import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import snappy from 'snappyjs';
import { execFileSync } from 'node:child_process';
import {
  gzipCodec,
  inflateChunkSize,
  lz4Codec,
  registerKafkaCodecs,
  snappyCodec,
  zstdCodec,
} from '../../../../../pipelines/sources/kafka/codecs.js';
import { decodeFailureOf, MAX_PLACEHOLDERS } from '../../../../../pipelines/sources/kafka/undecodable.js';

const registered = (type: number) =>
  (
    kafkajs.CompressionCodecs as Record<
      number,
      () => {
        compress: (e: { buffer: Buffer }) => Promise<Buffer>;
        decompress: (b: Buffer) => Promise<Buffer>;
      }
    >
  )[type]!();

const line = (i: number): string =>
  JSON.stringify({
    start_time: new Date(1_700_000_000_000 + i).toISOString(),
    path: `/api/items/${i}`,
    response_code: 200,
  });

describe('Kafka gzip codec', () => {
  it('is what kafkajs uses for gzip once registered', async () => {
    registerKafkaCodecs();
    registerKafkaCodecs(); // twice is harmless
    const spy = vi.spyOn(gzipCodec, 'compress');
    await registered(kafkajs.CompressionTypes.GZIP).compress({ buffer: Buffer.from('x') });
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });

  it('inflates what any gzip producer wrote, small and large batches alike', async () => {
    for (const n of [1, 5, 20_000]) {
      const text = Array.from({ length: n }, (_, i) => line(i)).join('\n');
      const out = await gzipCodec.decompress(gzipSync(Buffer.from(text)));
      expect(out.toString('utf8')).toBe(text);
    }
  });

  it('writes gzip that any consumer reads', async () => {
    const text = Array.from({ length: 100 }, (_, i) => line(i)).join('\n');
    const compressed = await gzipCodec.compress({ buffer: Buffer.from(text) });
    expect(gunzipSync(compressed).toString('utf8')).toBe(text);
  });

  it('sizes output chunks from the input: small batches keep 16 KiB, big ones stop at 1 MiB', () => {
    expect(inflateChunkSize(200)).toBe(16 * 1024);
    expect(inflateChunkSize(10_000)).toBe(160_000);
    expect(inflateChunkSize(5_000_000)).toBe(1024 * 1024);
  });

  it('rejects a corrupt batch instead of returning garbage', async () => {
    await expect(gzipCodec.decompress(Buffer.from('not gzip at all'))).rejects.toThrow();
  });
});

describe('Kafka snappy codec', () => {
  const text = Buffer.from('{"start_time":"2026-11-02T08:00:00Z","path":"/api/orders"}\n'.repeat(400));

  it('is what kafkajs uses for snappy once registered', async () => {
    registerKafkaCodecs();
    const spy = vi.spyOn(snappyCodec, 'compress');
    await registered(kafkajs.CompressionTypes.Snappy).compress({ buffer: Buffer.from('x') });
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });

  it('reads raw snappy (librdkafka) and xerial-framed snappy (the Java client), and writes what it reads', async () => {
    const raw = Buffer.from(snappy.compress(text));
    expect((await snappyCodec.decompress(raw)).equals(text)).toBe(true);
    // xerial: magic, version 1, compatible version 1, then [length][raw snappy] blocks.
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    const blocks = [text.subarray(0, 10_000), text.subarray(10_000)].map((b) => {
      const compressed = Buffer.from(snappy.compress(b));
      const length = Buffer.alloc(4);
      length.writeUInt32BE(compressed.length);
      return Buffer.concat([length, compressed]);
    });
    const framed = Buffer.concat([header, ...blocks]);
    expect((await snappyCodec.decompress(framed)).equals(text)).toBe(true);
    const written = await snappyCodec.compress({ buffer: text });
    expect((await snappyCodec.decompress(written)).equals(text)).toBe(true);
  });

  it('rejects a truncated or corrupt batch instead of returning garbage', async () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    await expect(
      snappyCodec.decompress(Buffer.concat([header, Buffer.from([0, 0, 1, 0, 1, 2])])),
    ).rejects.toThrow(/truncated/);
    await expect(snappyCodec.decompress(Buffer.from('definitely not snappy at all'))).rejects.toThrow();
  });
});

describe('Kafka lz4 and zstd codecs', () => {
  const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => line(i)).join('\n'));

  it('read what the reference lz4 and zstd tools write (frames without a content size too)', async () => {
    const lz4 = execFileSync('lz4', ['-c', '-'], { input: text });
    expect((await lz4Codec.decompress(lz4)).equals(text)).toBe(true);
    const zstd = execFileSync('zstd', ['-c', '-'], { input: text });
    expect((await zstdCodec.decompress(zstd)).equals(text)).toBe(true);
  });

  it('write what the reference tools read', async () => {
    const lz4 = await lz4Codec.compress({ buffer: text });
    expect(execFileSync('lz4', ['-d', '-c', '-'], { input: lz4 }).equals(text)).toBe(true);
    expect(lz4.length).toBeLessThan(text.length / 3);
    const zstd = await zstdCodec.compress({ buffer: text });
    expect(execFileSync('zstd', ['-d', '-c', '-'], { input: zstd }).equals(text)).toBe(true);
    expect(zstd.length).toBeLessThan(text.length / 5);
  });

  it('are what kafkajs uses once registered', async () => {
    registerKafkaCodecs();
    for (const type of [kafkajs.CompressionTypes.LZ4, kafkajs.CompressionTypes.ZSTD]) {
      const codec = registered(type);
      const written = await codec.compress({ buffer: text });
      expect((await codec.decompress(written)).equals(text)).toBe(true);
    }
  });
});

describe('a batch that does not decompress', () => {
  it('becomes placeholder records naming the failure, never a throw', async () => {
    registerKafkaCodecs();
    for (const type of [
      kafkajs.CompressionTypes.GZIP,
      kafkajs.CompressionTypes.Snappy,
      kafkajs.CompressionTypes.LZ4,
      kafkajs.CompressionTypes.ZSTD,
    ]) {
      const out = await registered(type).decompress(Buffer.from('definitely not compressed data'));
      // The first record: length, attributes 0, timestamp delta 0, offset delta 0, null key, the value.
      const length = out[0]! / 2;
      const record = out.subarray(1, 1 + length);
      expect(record[2]).toBe(0); // offset delta 0
      const valueLength = record[4]! / 2;
      const value = record.subarray(5, 5 + valueLength);
      const failure = decodeFailureOf(Buffer.from(value));
      expect(failure?.failure.reason).toMatch(/decompression failed/);
      expect(failure?.failure.compressedBytes).toBe(30);
      // Enough records for any batch: kafkajs reads as many as the batch header says.
      expect(out.length).toBeGreaterThan(MAX_PLACEHOLDERS * 10);
    }
  });
});
