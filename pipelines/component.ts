/**
 * The contracts every pipeline stage implements. One idea each:
 * - Component: a lifecycle (start quickly, shut down idempotently).
 * - Detector: turns closed windows of per-entity features into findings.
 * - Responder: delivers an incident somewhere and classifies the outcome; it never throws or retries itself
 *   (the delivery helper in runtime/delivery.ts retries with backoff).
 */
import type { Logger } from 'pino';
import type { Incident, IncidentKind } from './incident.js';
import type { Clock } from './runtime/clock.js';
import type { StateStore } from './runtime/state-store.js';
import type { Metrics } from './runtime/metrics.js';

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

export type Delivery =
  | { code: 'ok' }
  | { code: 'retryable'; error: Error; retryAfterMs?: number }
  | { code: 'permanent'; error: Error };

export interface Responder extends Component {
  readonly name: string;
  respond(incident: Incident, event: 'trigger' | 'resolve', signal: AbortSignal): Promise<Delivery>;
}

/** One detector's opinion about one entity in one window. */
export interface Finding {
  detector: string;
  kind: IncidentKind;
  /** Offender key (MeshEvent.src). */
  entity: string;
  /** Calibrated tail probability in [0,1]: how unusual this is against the baseline (1 = never seen). */
  score: number;
  /** Event time (ms) of the window end at which it was found. */
  timeMs: number;
  /** Event time (ms) of the first suspicious event behind the finding. */
  firstEventMs: number;
  /** What a person needs to judge it: observed value, baseline, examples. */
  evidence: Record<string, unknown>;
}
