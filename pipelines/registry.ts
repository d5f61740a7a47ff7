/**
 * The one explicit list of meshguard's components (the OpenTelemetry Collector's `components.go`): every
 * source, parser, detector and responder, by kind. A component is known here or not at all: the assembly
 * takes its detectors from these lists, the conformance test (test/component/) runs every entry through
 * the same contract, and a duplicate type name fails at start-up, when this module loads.
 *
 * Order matters in one place: window detectors reach fusion in the order listed (ties in score go to the
 * earlier one), so a reordering changes which detector an incident names first.
 */
import type { Component, ComponentKind, Factory } from './core/component.js';
import type { WindowDetectorFactory } from './detect/detector.js';
import { factory as exfiltration } from './detect/exfiltration/index.js';
import { factory as lateralMovement } from './detect/lateral-movement/index.js';
import { factory as scanning } from './detect/scanning/index.js';
import { factory as unauthorizedAccess } from './detect/unauthorized-access/index.js';
import { factory as kafkaAdapter } from './metrics/kafka-adapter/index.js';
import { factory as otlpMetrics } from './metrics/otlp-metrics/index.js';
import { factory as remoteWrite } from './metrics/remote-write/index.js';
import { factory as envoyText } from './parse/envoy-text/index.js';
import { factory as istioJson } from './parse/istio-json/index.js';
import { factory as otlpJson } from './parse/otlp-json/index.js';
import { factory as alertmanager } from './responders/alerts/alertmanager/index.js';
import { factory as consoleChannel } from './responders/alerts/console/index.js';
import { factory as pagerduty } from './responders/alerts/pagerduty/index.js';
import { factory as slack } from './responders/alerts/slack/index.js';
import { factory as webhook } from './responders/alerts/webhook/index.js';
import { factory as quarantine } from './responders/quarantine/index.js';
import { factory as bus } from './sources/bus/index.js';
import { factory as http } from './sources/http/index.js';
import { factory as kafka } from './sources/kafka/index.js';
import { factory as simulator } from './sources/simulator/index.js';
import { factory as autoencoder } from '../models/neural/autoencoder/index.js';
import { factory as seriesStack } from '../models/statistical/series-stack/index.js';

/** Where records come from: HTTP ingest, Kafka, the embedded bus, the simulator. */
export const SOURCES = [http, kafka, bus, simulator] as const;

/** Access-log formats (one line in, records or rejections out) and mesh-metric formats. */
export const PARSERS = [istioJson, envoyText, otlpJson, remoteWrite, otlpMetrics, kafkaAdapter] as const;

/** Window detector families over each source workload's traffic, in fusion order. */
export const WINDOW_DETECTORS: readonly WindowDetectorFactory[] = [
  unauthorizedAccess,
  scanning,
  lateralMovement,
  exfiltration,
];

/** Detectors over metric series and the neural model that corroborates window findings. */
export const MODEL_DETECTORS = [seriesStack, autoencoder] as const;

/** Alert channels, then quarantine. */
export const RESPONDERS = [consoleChannel, webhook, slack, pagerduty, alertmanager, quarantine] as const;

export type AnyFactory = Factory<ComponentKind, never, Component | object>;

/** Every component, each once. */
export const REGISTRY: readonly AnyFactory[] = registry([
  ...SOURCES,
  ...PARSERS,
  ...WINDOW_DETECTORS,
  ...MODEL_DETECTORS,
  ...RESPONDERS,
] as unknown as AnyFactory[]);

/** Checks the list once: a type name is unique within its kind and lower_snake_case (its folder in kebab-case). */
export function registry(factories: readonly AnyFactory[]): readonly AnyFactory[] {
  const seen = new Set<string>();
  for (const f of factories) {
    const key = `${f.kind}/${f.type}`;
    if (seen.has(key)) throw new Error(`meshguard registry: duplicate ${f.kind} type "${f.type}"`);
    if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(f.type))
      throw new Error(`meshguard registry: ${f.kind} type "${f.type}" is not lower_snake_case`);
    seen.add(key);
  }
  return Object.freeze([...factories]);
}

/** The factory of one registered component, or undefined. */
export function factoryOf(kind: ComponentKind, type: string): AnyFactory | undefined {
  return REGISTRY.find((f) => f.kind === kind && f.type === type);
}
