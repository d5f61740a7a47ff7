/**
 * Conformance: every component registered in pipelines/registry/ runs through the same contract
 * (the OpenTelemetry Collector's componenttest). TABLE below has one entry per registered component,
 * keyed `${kind}/${type}`: its folder and what the driver needs (a minimal config, sample input). A
 * component registered without an entry, or an entry without a component, fails the first test.
 *
 * Every component: kind and type, folder (config.ts, index.ts, README.md), config schema (defaults pass,
 * unknown keys rejected, validate() content), create(). Then by role: parsers (valid input → records,
 * hostile input → rejections, never a throw), window detectors (the real pipeline over simulated attack
 * traffic, snapshot/restore between two pipelines, hostile events), model detectors (scores in [0,1],
 * save/load, tensors freed), responders (delivery classified against a local HTTP server, lifecycle,
 * quarantine guardrails) and sources (create → start → records handed on → shutdown twice).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventClock } from '../../pipelines/core/clock.js';
import type { Component, Responder } from '../../pipelines/core/component.js';
import type { Delivery } from '../../pipelines/core/delivery.js';
import { emptyEvent, type MeshEvent, type ParseResult } from '../../pipelines/core/event.js';
import type { Incident } from '../../pipelines/core/incident.js';
import type { WindowDetector, WindowDetectorFactory } from '../../pipelines/detect/detector.js';
import { WriteRequest, type MetricResult } from '../../pipelines/metrics/index.js';
import type { MetricParser } from '../../pipelines/metrics/parser.js';
import { defaultParseOptions } from '../../pipelines/parse/index.js';
import type { Parser } from '../../pipelines/parse/parser.js';
import {
  MODEL_DETECTORS,
  PARSERS,
  REGISTRY,
  RESPONDERS,
  SOURCES,
  WINDOW_DETECTORS,
} from '../../pipelines/registry/index.js';
import type { QuarantineManager } from '../../pipelines/responders/quarantine/index.js';
import type { BusSource, InRecord } from '../../pipelines/sources/bus/index.js';
import { HttpError, type HttpSource } from '../../pipelines/sources/http/index.js';
import type { KafkaSource } from '../../pipelines/sources/kafka/index.js';
import type { SimulatorSource } from '../../pipelines/sources/simulator/index.js';
import type { RecordHandler } from '../../pipelines/sources/source.js';
import { loadTf } from '../../models/neural/backend.js';
import type { AutoencoderDetector } from '../../models/neural/autoencoder/index.js';
import type { SeriesDetector } from '../../models/statistical/series-stack/index.js';
import { exfiltrationRows, normalRows } from '../fixtures/models/synthetic-rows.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import {
  INCIDENT_KINDS,
  ROOT,
  T0,
  TRAFFIC,
  attackTraffic,
  collect,
  componentSettings,
  filledConfig,
  fixtureLines,
  hostileLines,
  incident,
  incidentKey,
  malformedIncident,
  scoringRun,
  type LooseFactory,
} from './drivers.js';

/** What the configs of the table may point at: a local HTTP server and a temporary directory. */
interface Env {
  url: string;
  dir: string;
}

type Source = Component & { attach?(handler: RecordHandler): void; healthy?(): boolean };

interface EntryBase {
  /** The component's folder, from the repository root; its name is the type in kebab-case. */
  folder: string;
  /** Keys the schema defaults cannot supply (a URL, a directory) or that keep this test fast. */
  config?: (env: Env) => Record<string, unknown>;
}

type Entry = EntryBase &
  (
    | { role: 'source'; drive: (f: LooseFactory, config: unknown) => Promise<void> }
    | { role: 'access_parser'; fixture: string }
    | { role: 'metric_parser'; valid: () => unknown[]; garbage: () => Array<[string, unknown]> }
    | { role: 'window_detector'; scenario: string }
    | { role: 'series_detector' }
    | { role: 'neural_detector' }
    | { role: 'alert_channel'; transport: 'http' | 'write' }
    | { role: 'quarantine' }
  );

type Role = Entry['role'];

/** The typed list of the registry each role belongs to. */
const LIST_OF: Record<Role, readonly unknown[]> = {
  source: SOURCES,
  access_parser: PARSERS,
  metric_parser: PARSERS,
  window_detector: WINDOW_DETECTORS,
  series_detector: MODEL_DETECTORS,
  neural_detector: MODEL_DETECTORS,
  alert_channel: RESPONDERS,
  quarantine: RESPONDERS,
};

// ---- sample metric inputs ----

function remoteWriteBody(): Uint8Array {
  return WriteRequest.encode(
    WriteRequest.fromObject({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'istio_requests_total' },
            { name: 'source_workload', value: 'frontend' },
            { name: 'response_code', value: '200' },
          ],
          samples: [
            { value: 1234, timestamp: T0 },
            { value: 1250, timestamp: T0 + 15_000 },
          ],
        },
      ],
    }),
  ).finish();
}

const deepObject = (depth: number): unknown => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
const binary = (n: number): string =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 197) % 256)).toString('latin1');

// ---- source drivers ----

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

async function driveHttp(f: LooseFactory, config: unknown): Promise<void> {
  const settings = componentSettings();
  const source = f.create(config, settings) as HttpSource;
  await source.start();

  expect(source.authorized(undefined)).toBe(true); // no token configured: open ingest
  const guarded = f.create(
    filledConfig(f.configSchema, { token: 'conformance-token' }),
    settings,
  ) as HttpSource;
  expect(guarded.authorized('Bearer conformance-token')).toBe(true);
  expect(guarded.authorized('Bearer wrong-token')).toBe(false);
  expect(guarded.authorized(undefined)).toBe(false);

  const limited = f.create(filledConfig(f.configSchema, { max_pending_events: 2 }), settings) as HttpSource;
  const release = limited.admit(2);
  expect(() => limited.admit(1)).toThrow(HttpError);
  try {
    limited.admit(1);
  } catch (error) {
    expect((error as HttpError).statusCode).toBe(429);
  }
  release();
  limited.admit(1)();

  const ndjson = { 'content-type': 'application/x-ndjson' };
  const valid = await source.accessLogs(
    { body: Buffer.from(fixtureLines('parse/istio-json.log').join('\n')), headers: ndjson },
    defaultParseOptions,
  );
  expect(valid.accepted.length).toBeGreaterThan(0);
  for (const r of valid.accepted) expect(typeof r.value).toBe('string');

  const garbageLines = [
    '{',
    'not an access-log record',
    binary(512).replace(/[\r\n]/g, ' '),
    'null',
    '{"a":1}',
  ];
  const garbage = await source.accessLogs(
    { body: Buffer.from(garbageLines.join('\n'), 'latin1'), headers: ndjson },
    defaultParseOptions,
  );
  expect(garbage.accepted).toEqual([]);
  expect(garbage.rejected).toHaveLength(garbageLines.length);
  for (const r of garbage.rejected) expect(r.reason).not.toBe('');
  // A body that cannot be split into records at all is the client's error (400), not a crash.
  await expect(
    source.accessLogs({ body: Buffer.from('[{"a":'), headers: ndjson }, defaultParseOptions),
  ).rejects.toThrow(HttpError);

  await source.shutdown();
  await source.shutdown();
  const unstarted = f.create(config, settings) as HttpSource;
  await unstarted.shutdown();
  await unstarted.shutdown();
}

async function driveBus(f: LooseFactory, config: unknown): Promise<void> {
  const source = f.create(config, componentSettings()) as BusSource;
  const handler = new Collector();
  source.attach(handler);
  await source.start();
  await source.bus.send('mesh.access-logs', [{ key: null, value: 'a' }]);
  await source.bus.send('not-a-scorer-topic', [{ key: null, value: 'b' }]);
  await source.bus.drain();
  expect(handler.records.map((r) => r.value)).toEqual(['a']);
  expect(handler.commits).toBe(1);
  expect(source.healthy()).toBe(true);
  await source.shutdown();
  await source.shutdown();
  expect(source.healthy()).toBe(false);
  const unstarted = f.create(config, componentSettings()) as BusSource;
  await unstarted.shutdown();
  await unstarted.shutdown();
}

async function driveSimulator(f: LooseFactory, config: unknown): Promise<void> {
  const clock = new EventClock();
  clock.advance(T0);
  const source = f.create(config, componentSettings(clock)) as SimulatorSource;
  const handler = new Collector();
  source.attach(handler);
  await source.start();
  clock.advance(T0 + 5_000);
  // Ticks run on a real 10 ms interval; wait for a few of them.
  for (let i = 0; i < 50 && handler.commits === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await source.shutdown();
  await source.shutdown();
  expect(source.healthy()).toBe(false);
  expect(handler.records.length).toBeGreaterThan(0);
  expect(handler.commits).toBeGreaterThan(0);
  expect(handler.records[0]).toMatchObject({ topic: 'mesh.access-logs', partition: 0, offset: '0' });
  expect(JSON.parse(handler.records[0]!.value)).toHaveProperty('start_time');
  const unstarted = f.create(config, componentSettings()) as SimulatorSource;
  await unstarted.shutdown();
  await unstarted.shutdown();
}

/** Created from its defaults and shut down without a broker: start() would connect, so it is not called. */
async function driveKafka(f: LooseFactory, config: unknown): Promise<void> {
  const source = f.create(config, componentSettings()) as KafkaSource;
  source.attach(new Collector());
  expect(source.healthy()).toBe(false);
  await source.shutdown();
  await source.shutdown();
}

// ---- the table ----

const TABLE: Record<string, Entry> = {
  'source/http': { role: 'source', folder: 'pipelines/sources/http', drive: driveHttp },
  'source/kafka': { role: 'source', folder: 'pipelines/sources/kafka', drive: driveKafka },
  'source/bus': { role: 'source', folder: 'pipelines/sources/bus', drive: driveBus },
  'source/simulator': {
    role: 'source',
    folder: 'pipelines/sources/simulator',
    config: () => ({ services: 6, tick_ms: 10 }),
    drive: driveSimulator,
  },

  'parser/istio_json': {
    role: 'access_parser',
    folder: 'pipelines/parse/istio-json',
    fixture: 'parse/istio-json.log',
  },
  'parser/envoy_text': {
    role: 'access_parser',
    folder: 'pipelines/parse/envoy-text',
    fixture: 'parse/envoy-text.log',
  },
  'parser/otlp_json': {
    role: 'access_parser',
    folder: 'pipelines/parse/otlp-json',
    fixture: 'parse/otlp.log',
  },
  'parser/linkerd_json': {
    role: 'access_parser',
    folder: 'pipelines/parse/linkerd-json',
    fixture: 'parse/linkerd-json.log',
  },
  'parser/linkerd_apache': {
    role: 'access_parser',
    folder: 'pipelines/parse/linkerd-apache',
    fixture: 'parse/linkerd-apache.log',
  },
  'parser/consul_json': {
    role: 'access_parser',
    folder: 'pipelines/parse/consul-json',
    fixture: 'parse/consul.log',
  },
  'parser/ztunnel': {
    role: 'access_parser',
    folder: 'pipelines/parse/ztunnel',
    fixture: 'parse/ztunnel.log',
  },
  'parser/hubble_json': {
    role: 'access_parser',
    folder: 'pipelines/parse/hubble-json',
    fixture: 'parse/hubble.log',
  },
  'parser/remote_write': {
    role: 'metric_parser',
    folder: 'pipelines/metrics/remote-write',
    valid: () => [remoteWriteBody()],
    garbage: () => [
      ['an overlong length prefix', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])],
      ['a truncated WriteRequest', remoteWriteBody().slice(0, 10)],
      ['text', Buffer.from('not a protobuf message at all')],
      ['1 MB of 0xff', new Uint8Array(1 << 20).fill(0xff)],
    ],
  },
  'parser/otlp_metrics': {
    role: 'metric_parser',
    folder: 'pipelines/metrics/otlp-metrics',
    valid: () => [JSON.parse(readFileSync(join(ROOT, 'test/fixtures/component/otlp-metrics.json'), 'utf8'))],
    garbage: () => [
      ['null', null],
      ['a number', 42],
      ['a string', binary(256)],
      ['an array', [1, 2, 3]],
      ['resourceMetrics that is not a list', { resourceMetrics: 'no' }],
      [
        'null and mistyped nodes at every level',
        {
          resourceMetrics: [
            null,
            {
              scopeMetrics: [
                null,
                {
                  metrics: [
                    null,
                    { name: 'm' },
                    { name: 'g', gauge: { dataPoints: [null, { asDouble: 'x' }] } },
                  ],
                },
              ],
            },
          ],
        },
      ],
      ['deeply nested objects', deepObject(20_000)],
    ],
  },
  'parser/kafka_adapter': {
    role: 'metric_parser',
    folder: 'pipelines/metrics/kafka-adapter',
    valid: () => fixtureLines('component/kafka-adapter.jsonl'),
    garbage: () => [
      ['an empty message', ''],
      ['a lone brace', '{'],
      ['a JSON array', '[1,2]'],
      ['JSON null', 'null'],
      ['a NaN value', '{"name":"up","value":"NaN","timestamp":"2025-11-02T08:00:00Z"}'],
      ['no timestamp', '{"name":"up","value":"1"}'],
      ['a 1 MB message', `{"name":"${'a'.repeat(1 << 20)}`],
      ['binary bytes read as latin1', binary(4096)],
      ['deeply nested JSON', `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`],
    ],
  },

  'detector/unauthorized_access': {
    role: 'window_detector',
    folder: 'pipelines/detect/unauthorized-access',
    scenario: 'credential_stuffing',
  },
  'detector/scanning': {
    role: 'window_detector',
    folder: 'pipelines/detect/scanning',
    scenario: 'path_scanning',
  },
  'detector/lateral_movement': {
    role: 'window_detector',
    folder: 'pipelines/detect/lateral-movement',
    scenario: 'lateral_movement',
  },
  'detector/exfiltration': {
    role: 'window_detector',
    folder: 'pipelines/detect/exfiltration',
    scenario: 'bulk_read_exfiltration',
  },
  'detector/request_content': {
    role: 'window_detector',
    folder: 'pipelines/detect/request-content',
    scenario: 'slow_sql_injection',
  },
  'detector/slow_and_low': {
    role: 'window_detector',
    folder: 'pipelines/detect/slow-and-low',
    // The quick slow shape (a refused login every 2 s) fits the two minutes of attack the run has.
    scenario: 'slow_credential_guessing_2s',
  },
  'detector/dns_tunnel': {
    role: 'window_detector',
    folder: 'pipelines/detect/exfiltration/dns-tunnel',
    // Hubble DNS flows (test/helpers/dns-traffic.ts): the Istio simulator's records carry no DNS.
    scenario: 'dns_tunnel',
  },
  'detector/series_stack': { role: 'series_detector', folder: 'models/statistical/series-stack' },
  'detector/autoencoder': {
    role: 'neural_detector',
    folder: 'models/neural/autoencoder',
    config: () => ({ epochs: 3, batch_size: 32 }),
  },

  'responder/console': {
    role: 'alert_channel',
    folder: 'pipelines/responders/alerts/console',
    transport: 'write',
    config: () => ({ type: 'console' }),
  },
  'responder/webhook': {
    role: 'alert_channel',
    folder: 'pipelines/responders/alerts/webhook',
    transport: 'http',
    config: ({ url }) => ({ type: 'webhook', url: `${url}/hooks/meshguard` }),
  },
  'responder/slack': {
    role: 'alert_channel',
    folder: 'pipelines/responders/alerts/slack',
    transport: 'http',
    config: ({ url }) => ({ type: 'slack', url: `${url}/services/T0000/B0000/conformance` }),
  },
  'responder/pagerduty': {
    role: 'alert_channel',
    folder: 'pipelines/responders/alerts/pagerduty',
    transport: 'http',
    config: ({ url }) => ({
      type: 'pagerduty',
      routing_key: 'conformance-routing-key',
      url: `${url}/v2/enqueue`,
    }),
  },
  'responder/alertmanager': {
    role: 'alert_channel',
    folder: 'pipelines/responders/alerts/alertmanager',
    transport: 'http',
    config: ({ url }) => ({ type: 'alertmanager', url }),
  },
  'responder/quarantine': {
    role: 'quarantine',
    folder: 'pipelines/responders/quarantine',
    config: ({ dir }) => ({ sink: 'gitops', policies_dir: join(dir, 'policies') }),
  },
};

// ---- lookup ----

const keyOf = (f: { kind: string; type: string }): string => `${f.kind}/${f.type}`;
const ENTRIES = Object.entries(TABLE).map(([key, entry]) => ({ key, ...entry }));
function byRole<R extends Role>(role: R): Array<Extract<Entry, { role: R }> & { key: string }> {
  return ENTRIES.filter((e) => e.role === role) as Array<Extract<Entry, { role: R }> & { key: string }>;
}

function factoryOf(key: string): LooseFactory {
  const f = REGISTRY.find((x) => keyOf(x) === key);
  if (!f) throw new Error(`${key} is in the conformance table but not registered in pipelines/registry/`);
  return f as unknown as LooseFactory;
}

const env: Env = { url: '', dir: '' };
let receiver: WebhookReceiver;

function configOf(entry: Entry & { key: string }): unknown {
  return filledConfig(factoryOf(entry.key).configSchema, entry.config?.(env));
}

/** create() with the table's config; a Promise (the autoencoder's) is awaited. */
async function create<T>(entry: Entry & { key: string }, settings: object = componentSettings()): Promise<T> {
  return (await factoryOf(entry.key).create(configOf(entry), settings as never)) as T;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  env.url = receiver.url;
  env.dir = mkdtempSync(join(tmpdir(), 'meshguard-conformance-'));
});
afterAll(async () => {
  await receiver?.close();
  if (env.dir) rmSync(env.dir, { recursive: true, force: true });
});

// ---- every component ----

describe('the registry', () => {
  it('has a conformance entry for every registered component, and a registered component for every entry', () => {
    expect(REGISTRY.map(keyOf).sort()).toEqual(Object.keys(TABLE).sort());
  });

  it('is exactly the union of its typed lists', () => {
    const listed = [...SOURCES, ...PARSERS, ...WINDOW_DETECTORS, ...MODEL_DETECTORS, ...RESPONDERS];
    expect(listed.map(keyOf).sort()).toEqual(REGISTRY.map(keyOf).sort());
  });
});

describe.each(ENTRIES)('$key', (entry) => {
  const f = (): LooseFactory => factoryOf(entry.key);

  it('is one of the four kinds with a lower_snake_case type, in the typed list of its role', () => {
    expect(['source', 'parser', 'detector', 'responder']).toContain(f().kind);
    expect(f().type).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
    expect(LIST_OF[entry.role]).toContain(REGISTRY.find((x) => keyOf(x) === entry.key));
  });

  it('lives in a folder named after its type, with config.ts, index.ts and a README that names it', () => {
    const dir = join(ROOT, entry.folder);
    expect(basename(dir)).toBe(f().type.replaceAll('_', '-'));
    for (const file of ['config.ts', 'index.ts', 'README.md'])
      expect(existsSync(join(dir, file)), `${entry.folder}/${file}`).toBe(true);
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toContain(`'${f().type}'`);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.includes(f().type) || readme.includes(basename(dir)), `${entry.folder}/README.md`).toBe(
      true,
    );
  });

  it('has a config schema whose defaults pass, that rejects unknown keys, and that validate() accepts', () => {
    const schema = f().configSchema;
    const cfg = configOf(entry);
    expect([...Value.Errors(schema, cfg)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Value.Check(schema, { ...(cfg as object), not_a_key: 1 })).toBe(false);
    expect(f().validate?.(cfg) ?? []).toEqual([]);
  });

  it('is created from that config and the common settings', async () => {
    const instance = await create<Record<string, unknown>>(entry);
    expect(instance).toBeTypeOf('object');
    if (typeof instance.dispose === 'function') (instance.dispose as () => void)();
    if (typeof instance.shutdown === 'function') await (instance.shutdown as () => Promise<void>)();
  });
});

// ---- parsers ----

const isRejection = (r: { ok: boolean; reason?: string }): boolean =>
  !r.ok && typeof r.reason === 'string' && r.reason !== '';

describe.each(byRole('access_parser'))('$key (access-log parser)', (entry) => {
  let parser: Parser;
  beforeAll(async () => {
    parser = await create<Parser>(entry);
  });

  it('parses its fixture lines into events with an event time and a source', () => {
    const results = fixtureLines(entry.fixture).flatMap((line) => collect<ParseResult>(parser.parse, line));
    const events = results.flatMap((r) => (r.ok ? [r.event] : []));
    expect(events.filter((e) => Number.isFinite(e.timeMs) && e.src !== '').length).toBeGreaterThan(0);
    for (const e of events) expect(Number.isFinite(e.timeMs)).toBe(true);
    for (const r of results) if (!r.ok) expect(r.reason).not.toBe('');
  });

  it.each(hostileLines())('rejects %s with a reason, never a throw', (_name, line) => {
    const results = collect<ParseResult>(parser.parse, line);
    // Bad input is counted and set aside, not dropped unseen (only an empty line may hold no record).
    if (line !== '') expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(isRejection(r), JSON.stringify(r).slice(0, 200)).toBe(true);
  });
});

describe.each(byRole('metric_parser'))('$key (metric parser)', (entry) => {
  let parser: MetricParser<unknown>;
  beforeAll(async () => {
    parser = await create<MetricParser<unknown>>(entry);
  });

  it('reads its sample input into samples with a name, a finite value and a time', () => {
    const results = entry.valid().flatMap((input) => collect<MetricResult>(parser.parse, input));
    const samples = results.flatMap((r) => (r.ok ? [r.sample] : []));
    expect(samples.length).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const s of samples) {
      expect(s.name).not.toBe('');
      expect(Number.isFinite(s.value)).toBe(true);
      expect(Number.isFinite(s.timeMs)).toBe(true);
    }
  });

  it.each(entry.garbage())('rejects %s with a reason, never a throw', (_name, input) => {
    const results = collect<MetricResult>(parser.parse, input);
    expect(results.length).toBeGreaterThan(0);
    for (const r of results) expect(isRejection(r), JSON.stringify(r).slice(0, 200)).toBe(true);
  });
});

// ---- window detectors ----

describe.each(byRole('window_detector'))('$key (window detector)', (entry) => {
  const family = (): WindowDetectorFactory => factoryOf(entry.key) as unknown as WindowDetectorFactory;
  let detector: WindowDetector;
  /** The uninterrupted run over the whole simulated stream, shared by the tests below. */
  let full: Promise<Incident[]> | undefined;
  const fullRun = (): Promise<Incident[]> => {
    full ??= (() => {
      const run = scoringRun(family(), configOf(entry));
      run.feed(attackTraffic(entry.scenario).events);
      return run.end();
    })();
    return full;
  };

  beforeAll(async () => {
    detector = await create<WindowDetector>(entry);
  });

  it('names its detectors and the incident kind it raises, which its scenario counts as a catch', () => {
    expect(detector.names.length).toBeGreaterThan(0);
    for (const name of detector.names) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(INCIDENT_KINDS).toContain(detector.kind);
    expect(attackTraffic(entry.scenario).truth.acceptableKinds).toContain(detector.kind);
  });

  it('alone in the real pipeline, finds the attack in simulated traffic with incidents of its kind', async () => {
    const incidents = await fullRun();
    const { truth } = attackTraffic(entry.scenario);
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents.map((i) => incidentKey(i).offender)).toContain(truth.actor.principal);
    for (const i of incidents) {
      expect([detector.kind, ...(detector.otherKinds ?? [])]).toContain(i.kind);
      // Only this family runs and no neural model is attached, so fusion adds no other names.
      for (const name of i.detectors) expect(detector.names).toContain(name);
      expect(i.evidence).toBeTypeOf('object');
      expect(i.evidence).not.toBeNull();
      expect(Array.isArray(i.evidence)).toBe(false);
      expect(i.score).toBeGreaterThanOrEqual(0);
      expect(i.score).toBeLessThanOrEqual(1);
      expect(Number.isFinite(Date.parse(i.detectedAt))).toBe(true);
    }
  });

  /*
   * Two pipelines, one after the other, as when a scorer replica hands its partitions over: the first
   * runs until SPLIT and exports every tracked entity, the second imports them and goes on. Its incidents
   * must be those the uninterrupted run raised after the split, exactly (id, kind, offender, detectedAt).
   *
   * That holds only because the split is at least learning_secs before the attack: some of what the
   * pipeline learns is not per entity and is not in the snapshots (since when each identity is known as
   * a destination, the peer baselines, the process warm-up). A fresh pipeline relearns it within
   * learning_secs; until then, a workload that never called anything before (so has no snapshot) counts
   * as learning and is not judged. For a split closer to the attack the incidents differ; what always
   * holds is that no entity's baseline is lost, asserted first.
   */
  it('snapshot/restore: a second pipeline importing the first one’s entities raises the same incidents', async () => {
    const { events } = attackTraffic(entry.scenario);
    const k = events.findIndex((e) => e.timeMs >= TRAFFIC.splitMs);
    expect(k).toBeGreaterThan(0);

    const first = scoringRun(family(), configOf(entry));
    expect(TRAFFIC.attackMs - TRAFFIC.splitMs).toBeGreaterThanOrEqual(
      first.cfg.windowing.learning_secs * 1000,
    );
    first.feed(events.slice(0, k));
    const before = await first.end();
    const snapshots = new Map<string, string>();
    for (const entity of first.pipeline.takeDirtyEntities()) {
      const snapshot = first.pipeline.exportEntity(entity);
      expect(snapshot, entity).toBeDefined();
      snapshots.set(entity, snapshot!);
    }
    expect(snapshots.size).toBeGreaterThan(0);

    const second = scoringRun(family(), configOf(entry));
    for (const [entity, snapshot] of snapshots) second.pipeline.importEntity(entity, snapshot);
    for (const [entity, snapshot] of snapshots) {
      expect(second.pipeline.hasEntity(entity)).toBe(true);
      expect(second.pipeline.exportEntity(entity), entity).toBe(snapshot);
    }
    second.feed(events.slice(k));
    const after = await second.end();

    const beforeIds = new Set(before.map((i) => i.id));
    const expected = (await fullRun()).filter((i) => !beforeIds.has(i.id)).map(incidentKey);
    expect(expected.length).toBeGreaterThan(0); // the attack is in the second half: the comparison means something
    expect(after.map(incidentKey)).toEqual(expected);
  });

  it('takes events with NaN, negative and empty fields without throwing', async () => {
    const { events } = attackTraffic(entry.scenario);
    const src = events[0]!.src;
    const at = events[Math.floor(events.length / 2)]!.timeMs;
    const hostile: MeshEvent[] = [
      emptyEvent(),
      { ...emptyEvent(), timeMs: Number.NaN, src },
      { ...emptyEvent(), timeMs: -1, src: '', dst: '' },
      {
        ...emptyEvent(),
        timeMs: at,
        src,
        dst: '',
        bytesUp: Number.NaN,
        bytesDown: -1,
        durationMs: Number.NaN,
      },
      {
        ...emptyEvent(),
        timeMs: at,
        src,
        dst: 'x',
        status: -1,
        bytesUp: -5e9,
        bytesDown: Infinity,
        path: '',
      },
      { ...emptyEvent(), timeMs: at, src: '', dst: 'y', egress: true, externalHost: '', status: Number.NaN },
      {
        ...emptyEvent(),
        timeMs: at,
        src,
        dst: '',
        method: '',
        mtls: false,
        direction: 'inbound',
        status: 403,
      },
    ];
    const run = scoringRun(family(), configOf(entry));
    run.feed(events.slice(0, events.length / 2));
    run.feed(hostile);
    run.feed(events.slice(events.length / 2));
    await expect(run.end()).resolves.toBeDefined();
    // Events without a usable time are set aside (and counted); the rest are scored.
    const timed = hostile.filter((e) => Number.isFinite(e.timeMs));
    expect(run.pipeline.stats.events).toBe(events.length + timed.length);
  });
});

describe('the scoring pipeline the window detectors run in', () => {
  /*
   * The parsers never emit such times (they bound start_time to 2000-2100), but a pipeline fed directly
   * must not let one record move its watermark past what a Date can hold: it sets the event aside.
   */
  it('sets aside an event time beyond the Date range, without throwing', async () => {
    const [entry] = byRole('window_detector');
    const { events } = attackTraffic(entry!.scenario);
    for (const timeMs of [Infinity, Number.MAX_SAFE_INTEGER]) {
      const run = scoringRun(factoryOf(entry!.key) as unknown as WindowDetectorFactory, configOf(entry!));
      run.feed(events);
      run.feed([{ ...emptyEvent(), timeMs, src: events[0]!.src }]);
      await run.end();
      expect(run.pipeline.stats.events).toBe(events.length);
    }
  });
});

// ---- model detectors ----

describe.each(byRole('series_detector'))('$key (series detector)', (entry) => {
  const STEP = 15_000;
  /** A seeded uniform noise in [-0.5, 0.5). */
  function noise(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    };
  }

  it('scores a steady noisy series low and a spike at least 0.9, always in [0,1]', async () => {
    const detector = await create<SeriesDetector>(entry);
    const r = noise(3);
    const spikeAt = 400;
    const scores = Array.from(
      { length: 450 },
      (_, i) => detector.update(T0 + i * STEP, i === spikeAt ? 200 : 100 + 8 * r()).score,
    );
    for (const s of scores) {
      expect(Number.isFinite(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(scores[spikeAt]).toBeGreaterThanOrEqual(0.9);
    const steady = scores.slice(detector.cfg.warmup_samples, spikeAt);
    expect(steady.filter((s) => s >= 0.5).length / steady.length).toBeLessThan(0.05);
  });

  it('takes NaN and infinite values and times without throwing, scoring them in [0,1]', async () => {
    const detector = await create<SeriesDetector>(entry);
    const r = noise(5);
    for (let i = 0; i < 100; i++) detector.update(T0 + i * STEP, 100 + 8 * r());
    const bad: Array<[number, number]> = [
      [T0 + 100 * STEP, Number.NaN],
      [T0 + 101 * STEP, Infinity],
      [T0 + 102 * STEP, -Infinity],
      [Number.NaN, 100],
      [Infinity, 100],
      [T0 + 103 * STEP, Number.MAX_VALUE],
      [T0 + 104 * STEP, 100],
    ];
    for (const [t, v] of bad) {
      const { score } = detector.update(t, v);
      expect(Number.isFinite(score), `${t}, ${v}`).toBe(true);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
  });
});

describe.each(byRole('neural_detector'))('$key (neural detector)', (entry) => {
  it('fits, scores in [0,1], survives save → load with identical scores and bad rows, and frees its tensors', async () => {
    const settings = componentSettings();
    settings.clock.advance(T0);
    const tf = await loadTf();
    const a = await create<AutoencoderDetector>(entry, settings);
    const tensorsBefore = tf.memory().numTensors;
    const b = await create<AutoencoderDetector>(entry, settings);
    try {
      await a.fit(normalRows(200, 1));
      const probe = [...normalRows(30, 7), ...exfiltrationRows(5)];
      const scores = a.scoreBatch(probe).map((s) => s.score);
      for (const s of scores) {
        expect(Number.isFinite(s)).toBe(true);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }

      const dir = join(env.dir, 'autoencoder');
      await a.save(dir);
      await b.load(dir);
      expect(b.scoreBatch(probe).map((s) => s.score)).toEqual(scores);

      const good = normalRows(1, 9)[0]!;
      const bad = [
        Array.from({ length: good.length }, () => Number.NaN),
        [...good.slice(1), Infinity],
        [...good.slice(1), -1],
        [1, 2, 3],
        [] as number[],
      ];
      const results = a.scoreBatch(bad);
      expect(results).toHaveLength(bad.length);
      for (const r of results) {
        expect(r.score).toBe(0);
        expect(r.rejected).toBeTruthy();
      }
    } finally {
      a.dispose();
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

// ---- responders ----

const signal = (): AbortSignal => new AbortController().signal;

describe.each([...byRole('alert_channel'), ...byRole('quarantine')])('$key (responder)', (entry) => {
  // An alert channel delivers (respond → Delivery); the quarantine responder decides (decide → the
  // incident's action). Both are components: a name, start(), and shutdown() idempotent and safe unstarted.
  const act = entry.role === 'quarantine' ? 'decide' : 'respond';
  it(`is a component that responds: a name, ${act}(), start() and shutdown() idempotent and safe without start()`, async () => {
    const unstarted = await create<Partial<Responder> & { decide?: unknown }>(entry, {
      ...componentSettings(),
      write: () => {},
    });
    expect(unstarted.name).toBeTypeOf('string');
    expect(unstarted[act]).toBeTypeOf('function');
    expect(unstarted.start).toBeTypeOf('function');
    expect(unstarted.shutdown).toBeTypeOf('function');
    await unstarted.shutdown!();
    await unstarted.shutdown!();
    const started = await create<Responder>(entry, { ...componentSettings(), write: () => {} });
    await started.start();
    await started.shutdown();
    await started.shutdown();
  });
});

describe.each(byRole('alert_channel').filter((e) => e.transport === 'http'))(
  '$key (HTTP alert channel)',
  (entry) => {
    let channel: Responder;
    beforeAll(async () => {
      channel = await create<Responder>(entry);
      await channel.start();
    });
    afterAll(() => channel?.shutdown());

    it('is named after its type', () => {
      expect(channel.name).toBe(factoryOf(entry.key).type);
    });

    it('classifies the answer: 2xx ok, 400 permanent, 503 with Retry-After retryable after that delay', async () => {
      const sent = receiver.requests.length;
      receiver.respondWith(
        { status: 200, body: '{"status":"success"}' },
        { status: 200 },
        { status: 400, body: '{"error":"invalid payload"}' },
        { status: 503, headers: { 'retry-after': '2' } },
      );
      const inc = incident();
      expect(await channel.respond(inc, 'trigger', signal())).toEqual({ code: 'ok' });
      expect(await channel.respond(inc, 'resolve', signal())).toEqual({ code: 'ok' });
      const bad = await channel.respond(inc, 'trigger', signal());
      expect(bad.code).toBe('permanent');
      const busy = await channel.respond(inc, 'trigger', signal());
      expect(busy).toMatchObject({ code: 'retryable', retryAfterMs: 2000 });
      expect((busy as Extract<Delivery, { code: 'retryable' }>).error).toBeInstanceOf(Error);

      const received = receiver.requests.slice(sent);
      expect(received).toHaveLength(4);
      for (const r of received) {
        expect(r.method).toBe('POST');
        expect(r.json).toBeDefined();
      }
    });

    it('answers a malformed incident with a Delivery, never a throw', async () => {
      receiver.respondWith({ status: 200 });
      const delivery = await channel.respond(malformedIncident(), 'trigger', signal());
      expect(['ok', 'retryable', 'permanent']).toContain(delivery.code);
    });
  },
);

describe.each(byRole('alert_channel').filter((e) => e.transport === 'write'))(
  '$key (written alert channel)',
  (entry) => {
    it('writes each alert to its `write` setting and answers ok; a malformed incident is a Delivery', async () => {
      const written: string[] = [];
      const channel = await create<Responder>(entry, {
        ...componentSettings(),
        write: (t: string) => written.push(t),
      });
      await channel.start();
      expect(await channel.respond(incident(), 'trigger', signal())).toEqual({ code: 'ok' });
      expect(await channel.respond(incident(), 'resolve', signal())).toEqual({ code: 'ok' });
      expect(written).toHaveLength(2);
      expect(written[0]).toContain('shop');
      const delivery = await channel.respond(malformedIncident(), 'trigger', signal());
      expect(['ok', 'retryable', 'permanent']).toContain(delivery.code);
      await channel.shutdown();
      await channel.shutdown();
    });

    it('classifies a failing write as permanent', async () => {
      const channel = await create<Responder>(entry, {
        ...componentSettings(),
        write: () => {
          throw new Error('EPIPE');
        },
      });
      expect((await channel.respond(incident(), 'trigger', signal())).code).toBe('permanent');
    });
  },
);

describe.each(byRole('quarantine'))('$key (quarantine)', (entry) => {
  let manager: QuarantineManager;
  const policiesDir = (): string => (configOf(entry) as { policies_dir: string }).policies_dir;
  const policyFiles = (): string[] =>
    existsSync(policiesDir())
      ? readdirSync(policiesDir(), { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.yaml'))
      : [];

  beforeAll(async () => {
    const settings = componentSettings();
    settings.clock.advance(Date.parse(incident().detectedAt));
    manager = await create<QuarantineManager>(entry, { ...settings, sleep: async () => {} });
  });

  it('quarantines the offender of a high-severity incident (dry-run by default) and writes its policy', async () => {
    const action = await manager.decide(incident());
    expect(action).toMatchObject({ type: 'quarantine', mode: 'dry-run' });
    expect(action.policy).toBeTruthy();
    expect(action.undo).toBeTruthy();
    const files = policyFiles();
    expect(files.length).toBeGreaterThan(0);
    const texts = files.map((p) => readFileSync(join(policiesDir(), p), 'utf8'));
    expect(
      texts.some((t) => t.includes('AuthorizationPolicy') && t.includes('cluster.local/ns/shop/sa/frontend')),
    ).toBe(true);
  });

  it('never quarantines an offender in a protected namespace', async () => {
    const before = policyFiles();
    const action = await manager.decide(
      incident({
        id: 'mg-conformance-0002',
        severity: 'critical',
        workload: {
          namespace: 'kube-system',
          serviceAccount: 'coredns',
          principal: 'spiffe://cluster.local/ns/kube-system/sa/coredns',
        },
      }),
    );
    expect(action.type).toBe('alert');
    expect(policyFiles()).toEqual(before);
  });

  it('answers a malformed incident with an alert, never a throw', async () => {
    const action = await manager.decide(malformedIncident());
    expect(action.type).toBe('alert');
  });
});

// ---- sources ----

describe.each(byRole('source'))('$key (source)', (entry) => {
  it('is created, started, hands records on (or refuses them with reasons) and shuts down twice', async () => {
    await entry.drive(factoryOf(entry.key), configOf(entry));
  });

  it('shuts down without start(), twice', async () => {
    const source = await create<Source>(entry);
    await source.shutdown();
    await source.shutdown();
  });
});
