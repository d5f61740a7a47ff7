import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { EventClock } from '../../../../pipelines/core/clock.js';
import type { ComponentSettings } from '../../../../pipelines/core/component.js';
import { Metrics } from '../../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../../pipelines/core/state-store.js';
import {
  SeriesDetector,
  defaultSeriesStackConfig,
  factory,
  seriesStackConfig,
} from '../../../../models/statistical/series-stack/index.js';

const settings = (): ComponentSettings => ({
  logger: pino({ level: 'silent' }),
  clock: new EventClock(),
  metrics: new Metrics(),
  state: new MemoryStateStore(),
});

describe('series_stack factory', () => {
  it('is the detector type series_stack', () => {
    expect(factory.kind).toBe('detector');
    expect(factory.type).toBe('series_stack');
  });

  it('fills every default from the schema, parts included, and the defaults are valid', () => {
    const filled = Value.Default(factory.configSchema, {});
    expect(filled).toEqual(defaultSeriesStackConfig);
    expect(Value.Check(factory.configSchema, filled)).toBe(true);
    expect(factory.validate!(defaultSeriesStackConfig)).toEqual([]);
    expect(defaultSeriesStackConfig.seasonal.max_phases).toBe(2016);
    expect(defaultSeriesStackConfig.calibration.history_size).toBe(1000);
  });

  it('merges partial overrides over the defaults', () => {
    const c = seriesStackConfig({ warmup_samples: 5, calibration: { history_size: 64 } });
    expect(c.warmup_samples).toBe(5);
    expect(c.calibration).toEqual({ ...defaultSeriesStackConfig.calibration, history_size: 64 });
    expect(c.seasonal).toEqual(defaultSeriesStackConfig.seasonal);
  });

  it('rejects unknown keys and out-of-range values through the schema', () => {
    const check = (c: unknown): boolean =>
      Value.Check(factory.configSchema, Value.Default(factory.configSchema, c));
    expect(check({ warmup_samples: -1 })).toBe(false);
    expect(check({ cusum: { treshold: 3 } })).toBe(false);
    expect(check({ spike: { direction: 'sideways' } })).toBe(false);
  });

  it('reports the cross-field calibration rule', () => {
    const c = seriesStackConfig({ calibration: { surprise_floor: 6, surprise_ceiling: 2 } });
    expect(factory.validate!(c)).toEqual([
      'calibration: surprise_ceiling (2) must be above surprise_floor (6)',
    ]);
  });

  it('creates a SeriesDetector that scores like one built directly', () => {
    const made = factory.create(defaultSeriesStackConfig, settings());
    expect(made).toBeInstanceOf(SeriesDetector);
    const direct = new SeriesDetector();
    for (let i = 0; i < 300; i++) {
      const v = 100 + (i % 7) + (i === 250 ? 500 : 0);
      expect(made.update(i * 60_000, v)).toEqual(direct.update(i * 60_000, v));
    }
  });
});
