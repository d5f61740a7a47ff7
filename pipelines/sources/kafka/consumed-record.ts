/**
 * A record as the consumer hands it on: its text is decoded from the bytes on first read only. The hop
 * reads a pack it forwarded itself through the events it parsed it into and never needs the text.
 */
import type { KafkaMessage } from 'kafkajs';
import type { KafkaInRecord } from './repartition.js';

export class ConsumedRecord implements KafkaInRecord {
  readonly key: string | null;
  readonly bytes: Buffer | undefined;
  private text: string | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    message: KafkaMessage,
    readonly headers: Record<string, string> | undefined,
  ) {
    this.offset = message.offset;
    this.key = message.key ? message.key.toString('utf8') : null;
    this.bytes = message.value ?? undefined;
  }

  readonly offset: string;

  get value(): string {
    return (this.text ??= this.bytes ? this.bytes.toString('utf8') : '');
  }
}
