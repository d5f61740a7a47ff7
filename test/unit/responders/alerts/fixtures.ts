import { Writable } from 'node:stream';
import pino from 'pino';
import type { ComponentSettings } from '../../../../pipelines/core/component.js';
import type { Incident } from '../../../../pipelines/core/incident.js';
import { AlertsConfig } from '../../../../pipelines/responders/alerts/config.js';
import { EventClock } from '../../../../pipelines/core/clock.js';
import { Metrics } from '../../../../pipelines/core/metrics.js';
import { MemoryStateStore, type StateStore } from '../../../../pipelines/core/state-store.js';
import { Value } from '@sinclair/typebox/value';

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-exfil-shop-frontend-1',
    kind: 'exfiltration',
    workload: {
      namespace: 'shop',
      serviceAccount: 'frontend',
      principal: 'spiffe://cluster.local/ns/shop/sa/frontend',
    },
    severity: 'high',
    score: 0.987,
    firstEventTime: '2025-03-01T02:59:40.000Z',
    detectedAt: '2025-03-01T03:00:00.000Z',
    detectors: ['egress_volume', 'autoencoder'],
    evidence: { bytes_sent: 52_428_800, bytes_sent_baseline: 1_048_576, host: 'paste.example.net' },
    action: {
      type: 'quarantine',
      mode: 'enforce',
      policy: 'meshguard-quarantine-shop-frontend',
      undo: 'kubectl -n shop delete authorizationpolicy meshguard-quarantine-shop-frontend',
    },
    ...overrides,
  };
}

/** Settings with a log captured as JSON lines (to check that secrets never reach it). */
export function settings(
  state: StateStore = new MemoryStateStore(),
): ComponentSettings & { logLines: string[] } {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return {
    logger: pino({ level: 'debug' }, sink),
    clock: new EventClock(),
    metrics: new Metrics(),
    state,
    logLines,
  };
}

/** A full AlertsConfig from a partial one, with the schema's defaults (as config/validate.ts does). */
export function alertsConfig(raw: unknown): AlertsConfig {
  const cfg = Value.Default(AlertsConfig, structuredClone(raw)) as AlertsConfig;
  const errors = [...Value.Errors(AlertsConfig, cfg)].map((e) => `${e.path}: ${e.message}`);
  if (errors.length) throw new Error(errors.join('\n'));
  return cfg;
}

export async function counter(
  metrics: Metrics,
  name: 'alertsSent' | 'alertsFailed',
  channel: string,
): Promise<number> {
  const data = await metrics[name].get();
  return data.values.find((v) => v.labels.channel === channel)?.value ?? 0;
}

/** A valid Standard Webhooks secret (32 bytes). */
export const WHSEC = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
