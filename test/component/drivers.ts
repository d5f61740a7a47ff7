/**
 * What the conformance test (conformance.test.ts) drives components with: common settings on an event
 * clock, simulated attack traffic parsed into events, a scoring pipeline with one detector family, a
 * well-formed incident, and the hostile inputs every parser must survive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { resolveConfig } from '../../config/validate.js';
import type { MeshguardConfig } from '../../config/schema.js';
import { EventClock } from '../../pipelines/core/clock.js';
import type { ComponentSettings } from '../../pipelines/core/component.js';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident, IncidentKind } from '../../pipelines/core/incident.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import { MemoryStateStore } from '../../pipelines/core/state-store.js';
import type { WindowDetectorFactory } from '../../pipelines/detect/detector.js';
import { factory as hubbleJson } from '../../pipelines/parse/hubble-json/index.js';
import { factory as istioJson } from '../../pipelines/parse/istio-json/index.js';
import { TUNNEL_ACTOR, dnsTrafficLines } from '../helpers/dns-traffic.js';
import type { Parser } from '../../pipelines/parse/parser.js';
import { createPipeline, type Pipeline } from '../../pipelines/runtime/pipeline.js';
import { MeshSimulator, type GroundTruth } from '../../pipelines/sources/simulator/index.js';

export const ROOT = join(import.meta.dirname, '../..');

export const INCIDENT_KINDS: readonly IncidentKind[] = [
  'unauthorized_access',
  'exfiltration',
  'lateral_movement',
  'scanning',
  'anomaly',
];

/** A registered factory as the generic driver sees it: config and instance are checked at run time. */
export interface LooseFactory {
  readonly kind: string;
  readonly type: string;
  readonly configSchema: TSchema;
  validate?(config: unknown): string[];
  create(config: unknown, settings: ComponentSettings): unknown;
}

/** The common settings: a silent logger, an event clock, fresh metrics and an in-memory state store. */
export function componentSettings(clock = new EventClock()): ComponentSettings & { clock: EventClock } {
  return {
    logger: pino({ level: 'silent' }),
    clock,
    metrics: new Metrics(),
    state: new MemoryStateStore(() => clock.nowMs()),
  };
}

/** The schema's defaults under the given keys (what config/validate.ts does for one section). */
export function filledConfig(schema: TSchema, given: Record<string, unknown> = {}): unknown {
  return Value.Default(schema, structuredClone(given));
}

/** Non-comment, non-blank lines of a fixture file under test/fixtures. */
export function fixtureLines(relative: string): string[] {
  return readFileSync(join(ROOT, 'test/fixtures', relative), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/** Every result a (metric) parser emits for one input, in order. */
export function collect<R>(parse: (input: never, emit: (r: R) => void) => void, input: unknown): R[] {
  const out: R[] = [];
  parse(input as never, (r) => out.push(r));
  return out;
}

/** Inputs no parser may throw on: each must come back as rejections (or nothing, for no record at all). */
export function hostileLines(): Array<[string, string]> {
  const depth = 20_000;
  return [
    ['an empty line', ''],
    ['a lone brace', '{'],
    ['a 1 MB line', `{"authority":"${'a'.repeat(1 << 20)}`],
    [
      'binary bytes read as latin1',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 197) % 256)).toString('latin1'),
    ],
    ['a JSON array', '[1,2,{"start_time":"2026-01-01T00:00:00Z"}]'],
    ['JSON null', 'null'],
    ['deeply nested JSON objects', `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`],
    ['deeply nested JSON arrays', `${'['.repeat(depth)}${']'.repeat(depth)}`],
  ];
}

// ---- simulated attack traffic ----

export const T0 = Date.parse('2026-11-02T08:00:00Z');
/**
 * A short run on a small mesh: the attack starts after the pipeline's warm-up (learning_secs, 120 s by
 * default) and the snapshot is taken at SPLIT_MS, at least learning_secs before the attack (see the
 * snapshot test for why).
 */
export const TRAFFIC = {
  seed: 11,
  services: 8,
  ratePerSec: 20,
  splitMs: T0 + 120_000,
  attackMs: T0 + 270_000,
  endMs: T0 + 390_000,
};

const traffic = new Map<string, { events: MeshEvent[]; truth: GroundTruth }>();
let parser: Parser | undefined;

/**
 * Attacks the Istio simulator cannot show, as another mesh's records: a DNS tunnel in Hubble DNS flows
 * (no Envoy log sees DNS), through the registered hubble_json parser.
 */
const OTHER_MESH_TRAFFIC: Record<string, () => { events: MeshEvent[]; truth: GroundTruth }> = {
  dns_tunnel: () => {
    const p = hubbleJson.create(
      filledConfig(hubbleJson.configSchema) as Parameters<typeof hubbleJson.create>[0],
      componentSettings(),
    );
    const events: MeshEvent[] = [];
    for (const line of dnsTrafficLines({ startMs: T0, endMs: TRAFFIC.endMs, attackMs: TRAFFIC.attackMs }))
      p.parse(line, (r) => {
        if (r.ok) events.push(r.event);
        else throw new Error(`DNS flow rejected: ${r.reason}`);
      });
    const truth: GroundTruth = {
      scenario: 'dns_tunnel',
      attack: true,
      acceptableKinds: ['exfiltration'],
      actor: { ...TUNNEL_ACTOR },
      startMs: TRAFFIC.attackMs,
      endMs: TRAFFIC.endMs,
    };
    return { events, truth };
  },
};

/** Baseline traffic with one scenario, as Istio JSON records through the registered istio_json parser. */
export function attackTraffic(scenario: string): { events: MeshEvent[]; truth: GroundTruth } {
  let run = traffic.get(scenario);
  const other = OTHER_MESH_TRAFFIC[scenario];
  if (run === undefined && other !== undefined) {
    run = other();
    traffic.set(scenario, run);
  }
  if (run === undefined) {
    parser ??= istioJson.create(
      filledConfig(istioJson.configSchema) as Parameters<typeof istioJson.create>[0],
      componentSettings(),
    );
    const p = parser;
    const sim = new MeshSimulator({
      seed: TRAFFIC.seed,
      startMs: T0,
      services: TRAFFIC.services,
      ratePerSec: TRAFFIC.ratePerSec,
    });
    const truth = sim.schedule(scenario, TRAFFIC.attackMs);
    const events: MeshEvent[] = [];
    sim.generate(T0, TRAFFIC.endMs, (record) =>
      p.parse(JSON.stringify(record), (r) => {
        if (r.ok) events.push(r.event);
        else throw new Error(`simulated record rejected: ${r.reason}`);
      }),
    );
    run = { events, truth };
    traffic.set(scenario, run);
  }
  return run;
}

// ---- the scoring pipeline with one detector family ----

export interface ScoringRun {
  pipeline: Pipeline;
  incidents: Incident[];
  cfg: MeshguardConfig;
  feed(events: Iterable<MeshEvent>): void;
  /** Close every window and wait for the incidents. */
  end(): Promise<Incident[]>;
}

/** The real pipeline with only `family`, its section `detectors.<type>` set to `section`. */
export function scoringRun(family: WindowDetectorFactory, section: unknown): ScoringRun {
  const cfg = resolveConfig({});
  (cfg.detectors as Record<string, unknown>)[family.type] = section;
  const settings = componentSettings();
  const incidents: Incident[] = [];
  const pipeline = createPipeline(
    cfg,
    settings,
    async (incident) => {
      incidents.push(incident);
      return incident;
    },
    { detectors: [family] },
  );
  return {
    pipeline,
    incidents,
    cfg,
    feed(events) {
      for (const e of events) {
        if (Number.isFinite(e.timeMs)) settings.clock.advance(e.timeMs);
        pipeline.push(e);
      }
    },
    async end() {
      pipeline.finish();
      await pipeline.drain();
      return incidents;
    },
  };
}

/** What must survive a snapshot: the incident's identity, kind, offender and detection time. */
export function incidentKey(i: Incident): { id: string; kind: string; offender: string; detectedAt: string } {
  const w = i.workload;
  return {
    id: i.id,
    kind: i.kind,
    offender: 'principal' in w ? w.principal : w.address,
    detectedAt: i.detectedAt,
  };
}

// ---- responders ----

/** A well-formed incident (pipelines/core/incident.ts) of a high severity. */
export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'mg-conformance-0001',
    kind: 'exfiltration',
    workload: {
      namespace: 'shop',
      serviceAccount: 'frontend',
      principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
    },
    severity: 'high',
    score: 0.9995,
    firstEventTime: '2026-11-02T08:04:30.000Z',
    detectedAt: '2026-11-02T08:04:50.000Z',
    detectors: ['edge_volume_down'],
    evidence: {
      bytes_down: 52_428_800,
      baseline_bytes_down: 1_048_576,
      destination: 'orders.shop.svc.cluster.local',
    },
    action: { type: 'alert' },
    ...overrides,
  };
}

/** An incident as a hostile or buggy producer might hand it over: wrong types and missing fields. */
export function malformedIncident(): Incident {
  return {
    id: '',
    kind: 'not_a_kind',
    workload: {},
    severity: 'bogus',
    score: Number.NaN,
    firstEventTime: 'yesterday',
    detectedAt: '',
    detectors: null,
    evidence: null,
    action: {},
  } as unknown as Incident;
}
