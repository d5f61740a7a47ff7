/**
 * The contracts every component implements. One idea each:
 * - Component: a lifecycle (start quickly, shut down idempotently).
 * - Responder: delivers an incident somewhere and classifies the outcome; it never throws or retries itself
 *   (the delivery helper in runtime/delivery.ts retries with backoff).
 * - Factory: how the registry (pipelines/registry/) knows a component: its kind, its type name, its
 *   config schema and defaults, and how to create it.
 */
import type { Logger } from 'pino';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Delivery } from './delivery.js';
import type { Incident } from './incident.js';
import type { Clock } from './clock.js';
import type { StateStore } from './state-store.js';
import type { Metrics } from './metrics.js';

export interface ComponentSettings {
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  state: StateStore;
}

export interface Component {
  /** Return quickly; background work runs under the component's own AbortController. */
  start(): Promise<void>;
  /** Idempotent and safe without start(): flush and release. */
  shutdown(): Promise<void>;
}

export interface Responder extends Component {
  readonly name: string;
  respond(incident: Incident, event: 'trigger' | 'resolve', signal: AbortSignal): Promise<Delivery>;
}

/** The four kinds of component the registry knows, in the order data meets them. */
export type ComponentKind = 'source' | 'parser' | 'detector' | 'responder';

/**
 * One registered component type (the OpenTelemetry Collector's factory). `type` is lower_snake_case; the
 * component's folder is the same name in kebab-case (`envoy_text` lives in `envoy-text/`); `configSchema` is the only declaration of its config, defaults included.
 */
export interface Factory<K extends ComponentKind = ComponentKind, S extends TSchema = TSchema, C = unknown> {
  readonly kind: K;
  readonly type: string;
  readonly configSchema: S;
  /** Cross-field rules the schema cannot express; each string names the key it is about. */
  validate?(config: Static<S>): string[];
  create(config: Static<S>, settings: ComponentSettings): C;
}
