import { gunzipSync, gzipSync } from 'node:zlib';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  gzipCodec,
  inflateChunkSize,
  registerKafkaCodecs,
} from '../../../../../pipelines/sources/kafka/codecs.js';

const line = (i: number): string =>
  JSON.stringify({
    start_time: new Date(1_700_000_000_000 + i).toISOString(),
    path: `/api/items/${i}`,
    response_code: 200,
  });

describe('Kafka gzip codec', () => {
  it('is what kafkajs uses for gzip once registered', () => {
    registerKafkaCodecs();
    registerKafkaCodecs(); // twice is harmless
    expect(kafkajs.CompressionCodecs[kafkajs.CompressionTypes.GZIP]()).toBe(gzipCodec);
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
