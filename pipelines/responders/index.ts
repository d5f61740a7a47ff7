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
  type BaselineGraph,
} from './quarantine/index.js';
import type { LeastPrivilegeConfig } from './least-privilege/config.js';
import { denialIncident } from './least-privilege/denial-incident.js';
import { LeastPrivilegeLoop } from './least-privilege/service-loop.js';
import { LeastPrivilegeVerifier } from './least-privilege/verify.js';
import type { VerifiedMesh } from './least-privilege/proposal.js';
import { AuditTrail } from './quarantine/audit-trail.js';
import { protectedNamespaces } from './quarantine/guardrails.js';
import { createSink } from './quarantine/sinks/index.js';

/** The parts of the configuration the responders read (the whole MeshguardConfig satisfies it). */
export interface RespondersConfig {
  quarantine: QuarantineConfig;
  alerts: AlertsConfig;
  /** Trust domain for principals built from namespace + service account. */
  trust_domain: string;
  least_privilege?: LeastPrivilegeConfig;
}

export interface Responders {
  handle: IncidentHandler;
  quarantine: QuarantineManager;
  alerts: AlertDispatcher;
  /** Least-privilege verification, when `least_privilege.enabled` (feed it events with onEvent). */
  leastPrivilege?: LeastPrivilegeLoop;
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
  /** The learned call graph: medium offenders are contained to their edges in it (graduated containment). */
  baseline?: BaselineGraph;
}

/** Ambient's ztunnel enforces Istio's AuthorizationPolicy (L4): the Istio proposals serve it too. */
function verifiedMeshOf(mesh: string): VerifiedMesh | undefined {
  if (mesh === 'istio' || mesh === 'ambient') return 'istio';
  return mesh === 'linkerd' || mesh === 'consul' ? mesh : undefined;
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
    baseline: deps.baseline,
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

  let leastPrivilege: LeastPrivilegeLoop | undefined;
  const lp = cfg.least_privilege;
  if (lp?.enabled) {
    // Same sink, protected namespaces and audit trail as quarantine: one set of guardrails.
    const verifier = new LeastPrivilegeVerifier({
      cfg: lp,
      quarantine: cfg.quarantine,
      sink: deps.sink ?? createSink(cfg.quarantine, settings),
      audit: new AuditTrail(cfg.quarantine, settings.state, settings.clock, logger),
      state: settings.state,
      clock: settings.clock,
      metrics: settings.metrics,
      logger,
    });
    const protectedNs = [...protectedNamespaces(cfg.quarantine)];
    const mesh = verifiedMeshOf(cfg.quarantine.mesh ?? 'istio');
    if (mesh === undefined)
      logger.warn(
        { mesh: cfg.quarantine.mesh },
        'Least-privilege verification writes Istio, Linkerd or Consul objects only; nothing is proposed for this mesh.',
      );
    leastPrivilege = new LeastPrivilegeLoop(
      verifier,
      lp,
      protectedNs,
      settings.clock,
      logger,
      mesh ?? 'istio',
    );
    if (mesh === undefined) leastPrivilege.disableProposals();
    leastPrivilege.onDenial = (finding) => void notify(denialIncident(finding), 'trigger');
  }

  let closed = false;
  return {
    handle,
    quarantine,
    alerts,
    ...(leastPrivilege ? { leastPrivilege } : {}),
    start: async () => {
      await quarantine.start();
      // Restored before the first event counts and before anything could be proposed again.
      if (leastPrivilege && !(await leastPrivilege.restore()))
        logger.warn(
          'Least-privilege state not restored yet (state store unreadable); retried on each check.',
        );
      leastPrivilege?.start();
    },
    async shutdown() {
      if (closed) return;
      closed = true;
      await leastPrivilege?.shutdown();
      await quarantine.shutdown();
      await alerts.shutdown();
    },
  };
}
