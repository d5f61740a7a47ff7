/**
 * QuarantineManager: the quarantine responder as the rest of meshguard sees it (the pipeline, the admin
 * API, the CLI). It only wires its parts together:
 * - decide.ts            the automatic path (guardrails → policy → sink), never throws;
 * - operator-actions.ts  approve, release, manual quarantine (throw QuarantineError);
 * - expiry.ts            the TTL;
 * - enforcement.ts       planning, validating, applying and releasing policies through the sink;
 * - guardrails.ts, ledger.ts, audit-trail.ts  the rules, the records and claims, the audit trail.
 * Everything that must hold across replicas lives in the injected StateStore; time comes from the
 * injected Clock (event time in replay, wall clock in serve, fake in tests).
 */
import type { Component, ComponentSettings } from '../../core/component.js';
import type { Incident, IncidentAction, WorkloadIdentity } from '../../core/incident.js';
import { AuditTrail, type AuditEntry } from './audit-trail.js';
import type { QuarantineConfig } from './config.js';
import type { QuarantineContext } from './context.js';
import { decideQuarantine } from './decide.js';
import { QuarantineEnforcer, type ReleaseListener } from './enforcement.js';
import { expireDue } from './expiry.js';
import { BlastRadiusCap } from './guardrails.js';
import { QuarantineLedger } from './ledger.js';
import { approve, extend, quarantineManually, release } from './operator-actions.js';
import { NO_PROTECTION, type Protection } from './protection.js';
import type { CallerDirectory } from './mesh/callers.js';
import type { BaselineGraph } from './containment.js';
import { writerFor } from './mesh/index.js';
import type { MeshResource } from './mesh/resource.js';
import type { QuarantineRecord } from './record.js';
import type { PolicySink } from './sinks/sink.js';

export interface QuarantineManagerOptions {
  cfg: QuarantineConfig;
  settings: ComponentSettings;
  sink: PolicySink;
  /** Base URL of the admin API, used in undo instructions. */
  adminUrl: string;
  /** Trust domain for principals built from namespace + service account (default cluster.local). */
  trustDomain?: string;
  /** Wait between sink retries; injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Live processes (serve): start() releases expired quarantines every this many ms of wall time, by the
   * injected clock. Unset (replay, the demo), start() runs nothing: they call expireDue() as their time
   * advances.
   */
  expiryIntervalMs?: number;
  /** meshguard's own dependencies and the address → pod lookup (protection.ts). */
  protection?: Protection;
  /** Who legitimately calls a destination (Linkerd quarantines authorize them minus the offender). */
  callers?: CallerDirectory;
  /** The learned call graph: medium offenders are contained to their edges in it (containment.ts). */
  baseline?: BaselineGraph;
}

/** Without a learned call graph, Linkerd authorizes no caller but kubelet probes: strict, and said in the incident. */
const NO_CALLERS: CallerDirectory = { callersOf: () => [] };

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QuarantineManager implements Component {
  readonly name = 'quarantine';
  private readonly ctx: QuarantineContext;
  private readonly sink: PolicySink;
  private readonly expiryIntervalMs: number | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private expiring = false;
  private closed = false;

  constructor(opts: QuarantineManagerOptions) {
    const { cfg, settings } = opts;
    const logger = settings.logger.child({ component: 'quarantine' });
    const sleep = opts.sleep ?? realSleep;
    const ledger = new QuarantineLedger(cfg, settings.state, settings.metrics);
    const audit = new AuditTrail(cfg, settings.state, settings.clock, logger);
    const enforcer = new QuarantineEnforcer({
      cfg,
      sink: opts.sink,
      ledger,
      audit,
      clock: settings.clock,
      metrics: settings.metrics,
      logger,
      adminUrl: opts.adminUrl,
      sleep,
      writer: writerFor(cfg.mesh ?? 'istio'),
      callers: opts.callers ?? NO_CALLERS,
      trustDomain: opts.trustDomain ?? 'cluster.local',
    });
    this.sink = opts.sink;
    this.expiryIntervalMs = opts.expiryIntervalMs;
    this.ctx = {
      cfg,
      trustDomain: opts.trustDomain ?? 'cluster.local',
      clock: settings.clock,
      metrics: settings.metrics,
      logger,
      ledger,
      audit,
      cap: new BlastRadiusCap(cfg, settings.state),
      enforcer,
      sleep,
      protection: opts.protection ?? NO_PROTECTION,
      adminUrl: opts.adminUrl,
      ...(opts.baseline ? { baseline: opts.baseline } : {}),
    };
  }

  /** The one quarantine expiry timer, when the process asked for one (see expiryIntervalMs). */
  async start(): Promise<void> {
    if (this.expiryTimer || this.closed || this.expiryIntervalMs === undefined) return;
    this.expiryTimer = setInterval(() => {
      if (this.expiring) return; // a slow sink must not stack ticks
      this.expiring = true;
      this.expireDue(this.ctx.clock.nowMs())
        .catch((error: unknown) =>
          this.ctx.logger.error({ error: (error as Error).message }, 'Quarantine expiry failed.'),
        )
        .finally(() => (this.expiring = false));
    }, this.expiryIntervalMs);
    this.expiryTimer.unref();
  }

  /** Stops the expiry timer. Policies stay in place: they carry their own expiry, and a restarted replica releases them. */
  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  get sinkName(): string {
    return this.sink.name;
  }

  /** Called with every released quarantine (TTL or by hand), once across replicas. */
  onRelease(listener: ReleaseListener): void {
    this.ctx.enforcer.onRelease(listener);
  }

  /** Guardrails → policy → sink. Returns the action to record on the incident; never throws. */
  decide(incident: Incident): Promise<IncidentAction> {
    return decideQuarantine(this.ctx, incident);
  }

  /** Approve a pending quarantine: rebuilt with a fresh TTL and applied. `why` goes into the audit trail. */
  approve(id: string, by: string, why?: string): Promise<QuarantineRecord> {
    return approve(this.ctx, id, by, why);
  }

  /** Extend an active quarantine by `secs` (default one TTL) past its current expiry. */
  extend(id: string, by: string, why: string, secs?: number): Promise<QuarantineRecord> {
    return extend(this.ctx, id, by, why, secs);
  }

  /** Release a quarantine (delete its policies), notify listeners. */
  release(id: string, by: string, reason: string): Promise<QuarantineRecord> {
    return release(this.ctx, id, by, reason);
  }

  /** Quarantine a workload by hand. Protected namespaces and principals still apply; the cap and approval do not. */
  quarantineManually(workload: WorkloadIdentity, reason: string, by: string): Promise<QuarantineRecord> {
    return quarantineManually(this.ctx, workload, reason, by);
  }

  /** Release every quarantine whose TTL ran out by `nowMs` (the injected clock's time). */
  expireDue(nowMs: number): Promise<QuarantineRecord[]> {
    return expireDue(this.ctx, nowMs);
  }

  /** The blast-radius budget: automatic quarantines left in the current cap window. */
  async blastRadius(): Promise<{ max: number; windowSecs: number; used: number; remaining: number }> {
    const { max_per_window: max, cap_window_secs: windowSecs } = this.ctx.cfg;
    const used = await this.ctx.cap.used(this.ctx.clock.nowMs());
    return { max, windowSecs, used, remaining: Math.max(0, max - used) };
  }

  get(id: string): Promise<QuarantineRecord | undefined> {
    return this.ctx.ledger.get(id);
  }

  /** Every quarantine record still kept, newest first. */
  list(): Promise<QuarantineRecord[]> {
    return this.ctx.ledger.list();
  }

  /** The audit trail, oldest first. */
  audit(): Promise<AuditEntry[]> {
    return this.ctx.audit.read();
  }

  /** Policies the sink currently holds (for reconciliation and the admin API). */
  sinkPolicies(): Promise<MeshResource[]> {
    return this.sink.list();
  }
}
