/** Shared fixtures for the quarantine tests: config, incidents, settings on a fake clock. */
import pino from 'pino';
import { Value } from '@sinclair/typebox/value';
import type { ComponentSettings } from '../../../../pipelines/core/component.js';
import type {
  Incident,
  IncidentKind,
  Severity,
  WorkloadIdentity,
} from '../../../../pipelines/core/incident.js';
import { Metrics } from '../../../../pipelines/core/metrics.js';
import { MemoryStateStore, type StateStore } from '../../../../pipelines/core/state-store.js';
import { QuarantineConfig } from '../../../../pipelines/responders/quarantine/config.js';

export const T0 = Date.parse('2024-05-01T12:00:00.000Z');

export class FakeClock {
  constructor(public now = T0) {}
  nowMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export function quarantineConfig(overrides: Partial<QuarantineConfig> = {}): QuarantineConfig {
  const cfg = Value.Default(QuarantineConfig, {}) as QuarantineConfig;
  return { ...structuredClone(cfg), apply_backoff_ms: 1, ...overrides };
}

export function settings(clock: FakeClock, state?: StateStore): ComponentSettings & { metrics: Metrics } {
  return {
    logger: pino({ level: 'silent' }),
    clock,
    metrics: new Metrics(),
    state: state ?? new MemoryStateStore(() => clock.nowMs()),
  };
}

export const FRONTEND: WorkloadIdentity = {
  namespace: 'shop',
  serviceAccount: 'frontend',
  principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
};

let seq = 0;
export function incident(
  opts: {
    kind?: IncidentKind;
    severity?: Severity;
    workload?: WorkloadIdentity;
    evidence?: Record<string, unknown>;
    id?: string;
  } = {},
): Incident {
  return {
    id: opts.id ?? `inc-${++seq}`,
    kind: opts.kind ?? 'unauthorized_access',
    workload: opts.workload ?? FRONTEND,
    severity: opts.severity ?? 'critical',
    score: 0.97,
    firstEventTime: new Date(T0 - 30_000).toISOString(),
    detectedAt: new Date(T0).toISOString(),
    detectors: ['denial_burst'],
    evidence: opts.evidence ?? { summary: 'many 403s' },
    action: { type: 'alert' },
  };
}

export const ADMIN_URL = 'https://meshguard.example:8080';
