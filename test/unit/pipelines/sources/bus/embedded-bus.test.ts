import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EmbeddedBus } from '../../../../../pipelines/sources/bus/embedded-bus.js';
import type { InRecord } from '../../../../../pipelines/sources/bus/types.js';
import { ev } from '../../../../helpers/events.js';

const logger = pino({ level: 'silent' });

describe('EmbeddedBus', () => {
  it('delivers in order with offsets, and hands parsed events to one subscriber only', async () => {
    const bus = new EmbeddedBus({ maxPendingRecords: 100, logger });
    const scorer: InRecord[] = [];
    const other: InRecord[] = [];
    bus.subscribe(['logs'], async (records) => void scorer.push(...records));
    bus.subscribe(['logs'], async (records) => void other.push(...records));
    const parsed = ev({ src: 'spiffe://cluster.local/ns/shop/sa/cart', timeMs: 1_000 });
    await bus.send('logs', [
      { key: 'a', value: 'line 1', events: [parsed] },
      { key: 'b', value: 'line 2' },
    ]);
    await bus.send('logs', [{ key: 'a', value: 'line 3' }]);
    await bus.drain();
    expect(scorer.map((r) => [r.offset, r.value])).toEqual([
      ['0', 'line 1'],
      ['1', 'line 2'],
      ['2', 'line 3'],
    ]);
    expect(scorer[0]!.events).toEqual([parsed]);
    // A consumer may change the events it is given: a second one gets the text alone and parses it.
    expect(other.map((r) => r.value)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(other.every((r) => r.events === undefined)).toBe(true);
  });

  it('refuses a send that would overflow a subscription, with a retry hint', async () => {
    const bus = new EmbeddedBus({ maxPendingRecords: 2, logger });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    bus.subscribe(['logs'], () => held);
    await bus.send('logs', [{ key: null, value: 'x' }]);
    await expect(
      bus.send('logs', [
        { key: null, value: 'y' },
        { key: null, value: 'z' },
      ]),
    ).rejects.toMatchObject({ kind: 'full', retryAfterSecs: 1 });
    release();
    await bus.drain();
  });
});
