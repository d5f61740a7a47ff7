/**
 * The responders behind the scoring pipeline: each new incident gets its quarantine decision
 * (pipelines/responders/quarantine) and then its alert (pipelines/responders/alerts), so the alert says
 * what was done and how to undo it. A released quarantine sends the matching resolve.
 */
import type { ComponentSettings } from '../core/component.js';
import type { Incident } from '../core/incident.js';
import type { IncidentHandler } from '../core/pipeline.js';
import { createAlertDispatcher, type AlertDispatcher, type AlertsConfig } from './alerts/index.js';
import {
  factory as quarantineFactory,
  type PolicySink,
  type QuarantineConfig,
  type QuarantineManager,
  type Protection,
  type CallerDirectory,
} from './quarantine/index.js';

/** The parts of the configuration the responders read (the whole MeshguardConfig satisfies it). */
export interface RespondersConfig {
  quarantine: QuarantineConfig;
  alerts: AlertsConfig;
  /** Trust domain for principals built from namespace + service account. */
  trust_domain: string;
}

export interface Responders {
  handle: IncidentHandler;
  quarantine: QuarantineManager;
  alerts: AlertDispatcher;
  /** Starts the quarantine component (its expiry timer, when `expiryIntervalMs` asked for one). */
  start(): Promise<void>;
  /** Stop the quarantine component and flush alerts; policies outlive the process by design. Idempotent. */
  shutdown(): Promise<void>;
}

export interface RespondersDeps {
  /** Replace the alert dispatcher (tests). */
  alerts?: AlertDispatcher;
  /** Replace the quarantine sink (tests). */
  sink?: PolicySink;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Live processes (serve): release expired quarantines on this wall-time tick once started. Replay and
   * the demo leave it unset and drive `quarantine.expireDue(nowMs)` themselves as their time advances.
   */
  expiryIntervalMs?: number;
  /** meshguard's own dependencies and the address → pod lookup the quarantine guardrails read. */
  protection?: Protection;
  /** Who legitimately calls a destination (Linkerd quarantines authorize them minus the offender). */
  callers?: CallerDirectory;
}

export function createResponders(
  cfg: RespondersConfig,
  settings: ComponentSettings,
  deps: RespondersDeps = {},
): Responders {
  const logger = settings.logger.child({ component: 'responders' });
  const alerts = deps.alerts ?? createAlertDispatcher(cfg.alerts, settings);
  const quarantine = quarantineFactory.create(cfg.quarantine, {
    ...settings,
    adminUrl: cfg.alerts.admin_url,
    trustDomain: cfg.trust_domain,
    sink: deps.sink,
    sleep: deps.sleep,
    expiryIntervalMs: deps.expiryIntervalMs,
    protection: deps.protection,
    callers: deps.callers,
  });

  const notify = async (incident: Incident, event: 'trigger' | 'resolve'): Promise<void> => {
    try {
      await alerts.notify(incident, event);
    } catch (error) {
      // The dispatcher queues and retries itself; a throw here is a bug, not a reason to drop the incident.
      logger.error(
        { error: (error as Error).message, incidentId: incident.id, event },
        'Alert dispatch failed.',
      );
    }
  };

  quarantine.onRelease((record, incident) => {
    const resolved: Incident = {
      ...incident,
      action: {
        ...incident.action,
        type: 'quarantine',
        mode: record.mode,
        policy: record.id,
        reason: `released by ${record.releasedBy ?? 'meshguard'}: ${record.releaseReason ?? 'no reason given'}`,
      },
    };
    void notify(resolved, 'resolve');
  });

  const handle: IncidentHandler = async (incident) => {
    const action = await quarantine.decide(incident);
    const decided: Incident = { ...incident, action };
    await notify(decided, 'trigger');
    return decided;
  };

  let closed = false;
  return {
    handle,
    quarantine,
    alerts,
    start: () => quarantine.start(),
    async shutdown() {
      if (closed) return;
      closed = true;
      await quarantine.shutdown();
      await alerts.shutdown();
    },
  };
}
