import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ConsumedRecord } from '../../../../../pipelines/sources/kafka/consumed-record.js';

const message = (value: Buffer | null, key: string | null = null): KafkaMessage =>
  ({
    key: key === null ? null : Buffer.from(key),
    value,
    offset: '42',
    timestamp: '0',
    attributes: 0,
    headers: {},
  }) as KafkaMessage;

describe('a consumed record', () => {
  it('reads ASCII and UTF-8 values as the text that was written', () => {
    for (const text of ['{"path":"/api/items"}', '{"user_agent":"café ☕ 日本"}', ''])
      expect(new ConsumedRecord('t', 0, message(Buffer.from(text)), undefined).value).toBe(text);
  });

  it('keeps offset, key, headers and bytes, and reads a null value as empty text', () => {
    const bytes = Buffer.from('{"a":1}');
    const record = new ConsumedRecord('t', 3, message(bytes, 'k'), { 'meshguard.packed': '1' });
    expect(record).toMatchObject({ topic: 't', partition: 3, offset: '42', key: 'k', bytes });
    expect(record.headers).toEqual({ 'meshguard.packed': '1' });
    expect(new ConsumedRecord('t', 0, message(null), undefined).value).toBe('');
  });
});
