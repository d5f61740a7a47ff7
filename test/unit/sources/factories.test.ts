/** The source factories: defaults, create → attach → start → hand records on → shutdown (twice). */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventClock } from '../../../pipelines/core/clock.js';
import type { ComponentSettings } from '../../../pipelines/core/component.js';
import { Metrics } from '../../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../../pipelines/core/state-store.js';
import { factory as busFactory } from '../../../pipelines/sources/bus/index.js';
import type { InRecord } from '../../../pipelines/sources/bus/types.js';
import { factory as kafkaFactory } from '../../../pipelines/sources/kafka/index.js';
import { factory as simulatorFactory } from '../../../pipelines/sources/simulator/index.js';
import type { RecordHandler } from '../../../pipelines/sources/source.js';

function settings(clock = new EventClock()): ComponentSettings {
  return { logger: pino({ level: 'silent' }), clock, metrics: new Metrics(), state: new MemoryStateStore() };
}

const defaults = <S extends TSchema>(schema: S): Static<S> => Value.Default(schema, {}) as Static<S>;

class Collector implements RecordHandler {
  records: InRecord[] = [];
  commits = 0;
  async handle(records: InRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async afterCommit(): Promise<void> {
    this.commits++;
  }
  async onAssignment(): Promise<void> {}
}

describe('source factories', () => {
  it('name their kind and type and fill every default', () => {
    for (const f of [busFactory, kafkaFactory, simulatorFactory]) {
      expect(f.kind).toBe('source');
      expect(Value.Check(f.configSchema, defaults(f.configSchema))).toBe(true);
    }
    expect([busFactory.type, kafkaFactory.type, simulatorFactory.type]).toEqual([
      'bus',
      'kafka',
      'simulator',
    ]);
  });

  it('bus: hands what is sent to its topics on, then acknowledges; shutdown twice is fine', async () => {
    const source = busFactory.create(defaults(busFactory.configSchema), settings());
    const handler = new Collector();
    source.attach(handler);
    await source.start();
    await source.bus.send('mesh.access-logs', [{ key: null, value: 'a' }]);
    await source.bus.send('elsewhere', [{ key: null, value: 'b' }]);
    await source.bus.drain();
    expect(handler.records.map((r) => r.value)).toEqual(['a']);
    expect(handler.commits).toBe(1);
    expect(source.healthy()).toBe(true);
    await source.shutdown();
    await source.shutdown();
    expect(source.healthy()).toBe(false);
  });

  it('kafka: created without a connection, shut down safely without start()', async () => {
    const source = kafkaFactory.create(defaults(kafkaFactory.configSchema), settings());
    expect(source.healthy()).toBe(false);
    await source.shutdown();
  });

  it('simulator: hands the traffic of each tick of the injected clock on', async () => {
    const clock = new EventClock();
    clock.advance(Date.parse('2026-01-05T12:00:00Z'));
    const source = simulatorFactory.create(
      { ...defaults(simulatorFactory.configSchema), tick_ms: 10 },
      settings(clock),
    );
    const handler = new Collector();
    source.attach(handler);
    await source.start();
    clock.advance(clock.nowMs() + 5_000);
    await new Promise((r) => setTimeout(r, 50));
    await source.shutdown();
    await source.shutdown();
    expect(handler.records.length).toBeGreaterThan(100);
    expect(handler.commits).toBeGreaterThan(0);
    expect(handler.records[0]).toMatchObject({ topic: 'mesh.access-logs', partition: 0, offset: '0' });
    expect(JSON.parse(handler.records[0]!.value)).toHaveProperty('upstream_cluster');
  });
});
