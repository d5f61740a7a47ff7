/** What both ingest-hostile test files share: the app over a producer that keeps what it was sent. */
import { pino } from 'pino';
import { resolveConfig } from '../../config/validate.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { buildApp } from '../../services/ingest/app.js';
import { RecordingProducer } from '../helpers/recording-producer.js';

const logger = pino({ level: 'silent' });
export const T0 = Date.parse('2024-05-01T10:00:00Z');

export function setup(raw: Record<string, unknown> = {}) {
  const producer = new RecordingProducer();
  const app = buildApp(resolveConfig(raw), { metrics: new Metrics(), logger, producer });
  return { app, producer };
}
