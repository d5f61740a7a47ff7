// The repartition hop's hand-off: it does not wait for the repartition topic's acknowledgement before the
// next chunk, but reports it (`durable`), and a record it forwarded is not parsed again when it comes back.
import { describe, expect, it } from 'vitest';
import { defaultParseOptions } from '../../../pipelines/parse/index.js';
import type { InRecord, OutRecord } from '../../../pipelines/sources/bus/types.js';
import {
  RepartitionHandler,
  UPSTREAM_HEADER,
  type RepartitionProducer,
} from '../../../pipelines/sources/kafka/repartition.js';
import type { RecordHandler } from '../../../pipelines/sources/source.js';

const LOGS = 'mesh.access-logs';
const BY_SOURCE = 'meshguard.access-logs.by-source';

// An Istio JSON access-log line (the simulator's format).
const ISTIO_LINE = JSON.stringify({
  start_time: '2026-11-02T08:00:00.011Z',
  method: 'GET',
  path: '/api/orders/17',
  protocol: 'HTTP/1.1',
  response_code: 200,
  response_flags: '-',
  bytes_received: 0,
  bytes_sent: 512,
  duration: 12,
  upstream_host: '10.0.3.7:8080',
  downstream_remote_address: '10.0.1.5:43210',
  downstream_local_address: '10.0.3.7:8080',
  authority: 'orders:8080',
  downstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/frontend',
  upstream_peer_uri_san: 'spiffe://cluster.local/ns/shop/sa/orders',
});

type Sent = Array<OutRecord & { headers: Record<string, string> }>;

/** A producer whose sends are acknowledged (or failed) when the test says so. */
function heldProducer() {
  const sends: Array<{ messages: Sent; ack: () => void; fail: (e: Error) => void }> = [];
  const producer: RepartitionProducer = {
    sendKeyed: (_topic, messages) =>
      new Promise<void>((ack, fail) => sends.push({ messages, ack: () => ack(), fail })),
  };
  return { producer, sends };
}

function recordingScorer() {
  const handed: InRecord[][] = [];
  const scorer: RecordHandler = {
    handle: async (records) => void handed.push(records),
    afterCommit: async () => undefined,
    onAssignment: async () => undefined,
  };
  return { scorer, handed };
}

function hop(producer: RepartitionProducer, scorer: RecordHandler) {
  return new RepartitionHandler(scorer, producer, {
    accessLogsTopic: LOGS,
    accessLogPartitions: async () => 4,
    repartitionTopic: BY_SOURCE,
    parseOptions: defaultParseOptions,
  });
}

const logRecord = (offset: number, value: string): InRecord => ({
  topic: LOGS,
  partition: 2,
  offset: String(offset),
  key: null,
  value,
});

/** Settles pending microtasks and one macrotask turn. */
const turn = () => new Promise((r) => setImmediate(r));

describe('repartition hop hand-off', () => {
  it('hands the next chunk over before the send is acknowledged; durable follows the acknowledgement', async () => {
    const { producer, sends } = heldProducer();
    const { scorer } = recordingScorer();
    const handler = hop(producer, scorer);
    const first = await handler.handOff([logRecord(0, ISTIO_LINE)]);
    const second = await handler.handOff([logRecord(1, ISTIO_LINE)]);
    expect(sends).toHaveLength(2);
    expect(sends[0]!.messages[0]!.headers[UPSTREAM_HEADER]).toBe('2/4');
    expect(sends[0]!.messages[0]!.key).toBeTruthy();
    let firstDurable = false;
    void first.durable.then(() => (firstDurable = true));
    await turn();
    expect(firstDurable).toBe(false);
    sends[0]!.ack();
    await first.durable;
    sends[1]!.fail(new Error('broker gone'));
    await expect(second.durable).rejects.toThrow('broker gone');
  });

  it('a chunk whose send failed has not dead-lettered its unparseable records yet (redelivery does it once)', async () => {
    const { producer, sends } = heldProducer();
    const { scorer, handed } = recordingScorer();
    const handler = hop(producer, scorer);
    const { durable } = await handler.handOff([logRecord(0, ISTIO_LINE), logRecord(1, 'not a log line')]);
    sends[0]!.fail(new Error('timeout'));
    await expect(durable).rejects.toThrow('timeout');
    expect(handed).toHaveLength(0);

    const again = await handler.handOff([logRecord(0, ISTIO_LINE), logRecord(1, 'not a log line')]);
    sends[1]!.ack();
    await again.durable;
    expect(handed.flat().map((r) => r.value)).toEqual(['not a log line']);
  });

  it('a forwarded record that comes back to this replica carries its parsed events; others are parsed by the scorer', async () => {
    const { producer, sends } = heldProducer();
    const { scorer, handed } = recordingScorer();
    const handler = hop(producer, scorer);
    const { durable } = await handler.handOff([logRecord(7, ISTIO_LINE)]);
    sends[0]!.ack();
    await durable;
    const back = (value: string, offset: number): InRecord & { headers: Record<string, string> } => ({
      topic: BY_SOURCE,
      partition: 1,
      offset: String(offset),
      key: sends[0]!.messages[0]!.key,
      value,
      headers: { [UPSTREAM_HEADER]: '2/4' },
    });
    const other = ISTIO_LINE.replace('/api/orders/17', '/api/orders/18');
    await handler.handle([back(ISTIO_LINE, 0), back(ISTIO_LINE, 1), back(other, 2)]);
    const [carried, duplicate, foreign] = handed.flat();
    expect(carried!.events?.[0]?.path).toBe('/api/orders/17');
    expect(carried!.parsedFormat).toBe('istio-json');
    expect(carried!.input).toBe('upstream/2');
    // Forwarded once: a second copy (a redelivery) and a record forwarded elsewhere are parsed as usual.
    expect(duplicate!.events).toBeUndefined();
    expect(foreign!.events).toBeUndefined();
  });
});
