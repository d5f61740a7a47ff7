/** A RecordProducer that keeps what it was sent, and can be made not ready, failing or slow. */
import type { OutRecord, RecordProducer } from '../../pipelines/sources/bus/types.js';

export class RecordingProducer implements RecordProducer {
  sent: Array<{ topic: string; messages: OutRecord[] }> = [];
  up = true;
  fail: Error | undefined;
  hold: Promise<void> | undefined;
  async send(topic: string, messages: OutRecord[]): Promise<void> {
    if (this.hold) await this.hold;
    if (this.fail) throw this.fail;
    this.sent.push({ topic, messages });
  }
  ready(): boolean {
    return this.up;
  }
  /** Every record sent to one topic, in order. */
  on(topic: string): OutRecord[] {
    return this.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  }
}
