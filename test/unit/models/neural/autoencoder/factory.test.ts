import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventClock } from '../../../../../pipelines/core/clock.js';
import { Metrics } from '../../../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../../../pipelines/core/state-store.js';
import {
  AutoencoderConfig,
  AutoencoderDetector,
  factory,
  resolveAutoencoderConfig,
} from '../../../../../models/neural/autoencoder/index.js';
import { normalRows } from '../../../../fixtures/models/synthetic-rows.js';

describe('autoencoder factory', () => {
  it('is the detector type autoencoder, with every default in its schema', () => {
    expect(factory.kind).toBe('detector');
    expect(factory.type).toBe('autoencoder');
    expect(factory.configSchema).toBe(AutoencoderConfig);
    const filled = Value.Default(factory.configSchema, {});
    expect(Value.Check(factory.configSchema, filled)).toBe(true);
    expect(filled).toEqual(resolveAutoencoderConfig({}));
    expect(() => resolveAutoencoderConfig({ epoch: 3 })).toThrow(/Invalid autoencoder configuration/);
  });

  it('creates an untrained detector that takes its clock from the settings', async () => {
    const clock = new EventClock();
    clock.advance(Date.UTC(2025, 0, 2, 3, 4, 5));
    const detector = await factory.create(resolveAutoencoderConfig({ epochs: 2 }), {
      logger: pino({ level: 'silent' }),
      clock,
      metrics: new Metrics(),
      state: new MemoryStateStore(),
    });
    try {
      expect(detector).toBeInstanceOf(AutoencoderDetector);
      expect(detector.trained).toBe(false);
      await detector.fit(normalRows(100, 5));
      expect(detector.metadata?.training.trainedAt).toBe('2025-01-02T03:04:05.000Z');
      expect(detector.metadata?.training.epochs).toBe(2);
    } finally {
      detector.dispose();
    }
  });
});
