/** What both ingest-hostile test files share: the app over a producer that keeps what it was sent. */
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import type { OutRecord, RecordProducer } from '../../pipelines/sources/bus/types.js';
import { buildApp } from '../../services/ingest/app.js';

const logger = pino({ level: 'silent' });
export const T0 = Date.parse('2024-05-01T10:00:00Z');

class CapturingProducer implements RecordProducer {
  sent: Array<{ topic: string; messages: OutRecord[] }> = [];
  async send(topic: string, messages: OutRecord[]): Promise<void> {
    this.sent.push({ topic, messages });
  }
  ready(): boolean {
    return true;
  }
  on(topic: string): OutRecord[] {
    return this.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  }
}

export function setup(raw: Record<string, unknown> = {}) {
  const producer = new CapturingProducer();
  const app = buildApp(resolveConfig(raw), { metrics: new Metrics(), logger, producer });
  return { app, producer };
}
