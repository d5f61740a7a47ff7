/**
 * QuarantineManager: guardrails → policy → sink, with an audit trail.
 *
 * Everything that must hold across replicas lives in the injected StateStore (Redis in production):
 * - `quarantine:<offenderHash>`      → quarantine id. The claim: whoever sets it first (setIfAbsent) acts;
 *                                      the others return the existing quarantine.
 * - `quarantine-record:<id>`         → the QuarantineRecord (JSON).
 * - `quarantine-cap:<bucket>:<slot>` → one key per quarantine in a cap window; slots are claimed with
 *                                      setIfAbsent, so the blast-radius cap holds across replicas.
 * - `quarantine-release:<id>:<revision>` → one replica releases (and notifies) once.
 * - `quarantine-audit:<ms>:<seq>`    → one audit entry (JSON), time-ordered by key.
 * Time comes from the injected Clock (event time in replay, wall clock in serve, fake in tests).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ComponentSettings } from '../../core/component.js';
import type { Delivery } from '../../core/delivery.js';
import {
  severityRank,
  type Incident,
  type IncidentAction,
  type WorkloadIdentity,
} from '../../core/incident.js';
import type { Clock } from '../../core/clock.js';
import type { Metrics } from '../../core/metrics.js';
import type { StateStore } from '../../core/state-store.js';
import type { QuarantineConfig } from './config.js';
import {
  buildQuarantinePlan,
  describeOffender,
  protectedReason,
  type AuthorizationPolicyManifest,
  type NetworkPolicyManifest,
  type Offender,
  type QuarantinePlan,
} from './policy.js';
import type { PolicySink } from './sinks/sink.js';
import { validatePolicy } from './validate.js';

export type QuarantineState = 'pending-approval' | 'active' | 'released' | 'failed';
export type QuarantineMode = 'dry-run' | 'enforce' | 'pending-approval';

export interface QuarantineRecord {
  /** The quarantine id: the name of its (first) policy. */
  id: string;
  /** Unique per record written (ids repeat when an offender is quarantined again after a release). */
  revision: string;
  state: QuarantineState;
  mode: QuarantineMode;
  offender: WorkloadIdentity;
  offenderHash: string;
  /** The incident that caused it (a synthetic one for manual quarantines). */
  incident: Incident;
  scope: 'mesh-wide' | 'namespaces';
  policies: AuthorizationPolicyManifest[];
  /** NetworkPolicies meshguard suggests but never applies. */
  suggestions: NetworkPolicyManifest[];
  notEnforced: string[];
  reason: string;
  undo: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  approvedBy?: string;
  approvedAt?: string;
  releasedBy?: string;
  releasedAt?: string;
  releaseReason?: string;
  error?: string;
}

export type AuditAction =
  | 'quarantine'
  | 'pending-approval'
  | 'approve'
  | 'release'
  | 'expire'
  | 'manual-quarantine'
  | 'skip'
  | 'error';

export interface AuditEntry {
  at: string;
  /** Who or what acted: `meshguard` (automatic), `ttl`, or the admin API caller. */
  actor: string;
  action: AuditAction;
  reason: string;
  quarantineId?: string;
  incidentId?: string;
  offender?: WorkloadIdentity;
  mode?: QuarantineMode;
  policies?: AuthorizationPolicyManifest[];
  undo?: string;
}

export type QuarantineErrorCode = 'not_found' | 'conflict' | 'forbidden' | 'invalid' | 'sink_failed';

/** Thrown by the operator-facing methods (approve, release, manual); decide() never throws. */
export class QuarantineError extends Error {
  constructor(
    readonly code: QuarantineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QuarantineError';
  }
}

export interface QuarantineManagerOptions {
  cfg: QuarantineConfig;
  settings: ComponentSettings;
  sink: PolicySink;
  /** Base URL of the admin API, used in undo instructions. */
  adminUrl: string;
  /** Trust domain for principals built from namespace + service account. */
  trustDomain?: string;
  /** Wait between sink retries; injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

type ReleaseListener = (record: QuarantineRecord, incident: Incident) => void;

const CLAIM = 'quarantine:';
const RECORD = 'quarantine-record:';
const CAP = 'quarantine-cap:';
const RELEASE = 'quarantine-release:';
const AUDIT = 'quarantine-audit:';

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QuarantineManager {
  private readonly cfg: QuarantineConfig;
  private readonly store: StateStore;
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly logger: Logger;
  private readonly sink: PolicySink;
  private readonly adminUrl: string;
  private readonly trustDomain: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly listeners: ReleaseListener[] = [];
  private auditSeq = 0;

  constructor(opts: QuarantineManagerOptions) {
    this.cfg = opts.cfg;
    this.store = opts.settings.state;
    this.clock = opts.settings.clock;
    this.metrics = opts.settings.metrics;
    this.logger = opts.settings.logger.child({ component: 'quarantine' });
    this.sink = opts.sink;
    this.adminUrl = opts.adminUrl;
    this.trustDomain = opts.trustDomain ?? 'cluster.local';
    this.sleep = opts.sleep ?? realSleep;
  }

  get sinkName(): string {
    return this.sink.name;
  }

  onRelease(listener: ReleaseListener): void {
    this.listeners.push(listener);
  }

  // ---------------------------------------------------------------- automatic path

  /** Guardrails → policy → sink. Returns the action to record on the incident; never throws. */
  async decide(incident: Incident): Promise<IncidentAction> {
    try {
      return await this.decideOrThrow(incident);
    } catch (error) {
      const message = (error as Error).message;
      this.metrics.quarantineActions.inc({ action: 'apply', result: 'error' });
      this.logger.error(
        { error: message, incidentId: incident?.id },
        'Quarantine decision failed; alerting only.',
      );
      return { type: 'alert', reason: `quarantine failed: ${message}` };
    }
  }

  private skip(result: string, reason: string): IncidentAction {
    this.metrics.quarantineActions.inc({ action: 'skip', result });
    return { type: 'alert', reason };
  }

  private async decideOrThrow(incident: Incident): Promise<IncidentAction> {
    if (!this.cfg.enabled)
      return this.skip('disabled', 'quarantine is disabled (quarantine.enabled: false): alert only');

    const described = describeOffender(incident.workload, this.trustDomain);
    if (!described.ok) {
      this.logger.warn(
        { incidentId: incident.id, error: described.error },
        'Incident names no offender a policy can match.',
      );
      return this.skip('invalid', `cannot quarantine: ${described.error}`);
    }
    const offender = described.offender;

    const protectedWhy = protectedReason(offender, this.cfg);
    if (protectedWhy) {
      await this.writeAudit({
        actor: 'meshguard',
        action: 'skip',
        reason: protectedWhy,
        incidentId: incident.id,
        offender: incident.workload,
      });
      return this.skip('protected', protectedWhy);
    }

    if (severityRank(incident.severity) < severityRank(this.cfg.min_severity))
      return this.skip(
        'below_min_severity',
        `severity ${incident.severity} is below quarantine.min_severity (${this.cfg.min_severity}): alert only`,
      );

    const existing = await this.activeFor(offender.hash);
    if (existing) {
      this.metrics.quarantineActions.inc({ action: 'skip', result: 'duplicate' });
      return this.actionOf(
        existing,
        `offender already quarantined as ${existing.id} (incident ${existing.incident.id})`,
      );
    }

    const now = this.clock.nowMs();
    const needsApproval = severityRank(incident.severity) < severityRank(this.cfg.approval_below_severity);
    const plan = buildQuarantinePlan({
      incident,
      offender,
      cfg: this.cfg,
      applyMode: this.cfg.mode,
      nowMs: now,
      adminUrl: this.adminUrl,
    });

    const invalid = await this.invalidReasons(plan);
    if (invalid.length) {
      this.metrics.quarantineActions.inc({ action: 'apply', result: 'invalid' });
      this.logger.error(
        { incidentId: incident.id, quarantineId: plan.id, errors: invalid },
        'Built an invalid policy; not applying it.',
      );
      await this.writeAudit({
        actor: 'meshguard',
        action: 'error',
        reason: `invalid policy: ${invalid.join('; ')}`,
        incidentId: incident.id,
        quarantineId: plan.id,
        offender: incident.workload,
        policies: plan.policies,
      });
      return {
        type: 'alert',
        reason: `quarantine policy failed validation, not applied: ${invalid.join('; ')}`,
      };
    }

    // Idempotent across replicas: only the replica that claims the offender goes on.
    const won = await this.store.setIfAbsent(CLAIM + offender.hash, plan.id, this.claimTtlMs());
    if (!won) return this.lostClaim(offender, plan.id);

    const record = this.newRecord(
      plan,
      incident,
      offender,
      'meshguard',
      now,
      needsApproval ? 'pending-approval' : this.cfg.mode,
    );

    if (needsApproval) {
      record.reason = `${plan.reason} Waiting for approval: severity ${incident.severity} is below quarantine.approval_below_severity (${this.cfg.approval_below_severity}).`;
      await this.saveRecord(record);
      this.metrics.quarantineActions.inc({ action: 'apply', result: 'pending_approval' });
      await this.writeAudit(this.entryOf(record, 'meshguard', 'pending-approval', record.reason));
      await this.refreshGauge();
      this.logger.info(
        { quarantineId: record.id, incidentId: incident.id },
        'Quarantine waits for approval.',
      );
      return this.actionOf(record, record.reason);
    }

    if (!(await this.claimCapSlot(now))) {
      await this.store.delete(CLAIM + offender.hash);
      const reason = `blast-radius cap reached: ${this.cfg.max_per_window} quarantines within ${this.cfg.cap_window_secs}s (quarantine.max_per_window): alert only`;
      await this.writeAudit({
        actor: 'meshguard',
        action: 'skip',
        reason,
        incidentId: incident.id,
        offender: incident.workload,
        quarantineId: plan.id,
      });
      return this.skip('cap_reached', reason);
    }

    return this.applyRecord(record, 'meshguard', 'quarantine');
  }

  // ---------------------------------------------------------------- operator path

  /** Approve a pending quarantine: rebuilt with a fresh TTL and applied. */
  async approve(id: string, by: string): Promise<QuarantineRecord> {
    const record = await this.getOrThrow(id);
    if (record.state !== 'pending-approval')
      throw new QuarantineError('conflict', `quarantine ${id} is ${record.state}, not pending approval`);
    const described = describeOffender(record.offender, this.trustDomain);
    if (!described.ok) throw new QuarantineError('invalid', described.error);
    const now = this.clock.nowMs();
    const plan = buildQuarantinePlan({
      incident: record.incident,
      offender: described.offender,
      cfg: this.cfg,
      applyMode: this.cfg.mode,
      nowMs: now,
      adminUrl: this.adminUrl,
      nameKind: record.incident.detectors.includes('manual') ? 'manual' : undefined,
    });
    const invalid = await this.invalidReasons(plan);
    if (invalid.length)
      throw new QuarantineError('invalid', `policy failed validation: ${invalid.join('; ')}`);
    const approved: QuarantineRecord = {
      ...this.newRecord(plan, record.incident, described.offender, record.createdBy, now, this.cfg.mode),
      createdAt: record.createdAt,
      approvedBy: by,
      approvedAt: new Date(now).toISOString(),
    };
    // A person approved it: the automatic blast-radius cap does not apply to human decisions.
    return this.applyRecordOrThrow(approved, by, 'approve');
  }

  /** Release a quarantine (delete its policies), notify listeners. */
  async release(id: string, by: string, reason: string): Promise<QuarantineRecord> {
    const record = await this.getOrThrow(id);
    return this.releaseRecord(record, by, reason, 'release');
  }

  /** Quarantine a workload by hand. Protected namespaces and principals still apply; the cap and approval do not. */
  async quarantineManually(
    workload: WorkloadIdentity,
    reason: string,
    by: string,
  ): Promise<QuarantineRecord> {
    const described = describeOffender(workload, this.trustDomain);
    if (!described.ok) throw new QuarantineError('invalid', described.error);
    const offender = described.offender;
    const protectedWhy = protectedReason(offender, this.cfg);
    if (protectedWhy) throw new QuarantineError('forbidden', protectedWhy.replace(/: alert only$/, ''));
    const existing = await this.activeFor(offender.hash);
    if (existing) return existing;

    const now = this.clock.nowMs();
    const at = new Date(now).toISOString();
    const incident: Incident = {
      id: `manual-${offender.hash}-${now}`,
      kind: 'anomaly',
      workload,
      severity: 'critical',
      score: 1,
      firstEventTime: at,
      detectedAt: at,
      detectors: ['manual'],
      evidence: { manual: true, requestedBy: by, reason },
      action: { type: 'quarantine' },
    };
    const plan = buildQuarantinePlan({
      incident,
      offender,
      cfg: this.cfg,
      applyMode: this.cfg.mode,
      nowMs: now,
      adminUrl: this.adminUrl,
      nameKind: 'manual',
    });
    plan.reason = `Manual quarantine of ${offender.principal ?? offender.address} by ${by}: ${reason.replace(/\s+/g, ' ').trim()} (until ${plan.expiresAt}).`;
    for (const p of plan.policies) p.metadata.annotations['meshguard.io/reason'] = plan.reason;
    const invalid = await this.invalidReasons(plan);
    if (invalid.length)
      throw new QuarantineError('invalid', `policy failed validation: ${invalid.join('; ')}`);
    const won = await this.store.setIfAbsent(CLAIM + offender.hash, plan.id, this.claimTtlMs());
    if (!won) {
      const other = await this.activeFor(offender.hash);
      if (other) return other;
      throw new QuarantineError(
        'conflict',
        'another replica is quarantining this workload right now; retry in a moment',
      );
    }
    const record = this.newRecord(plan, incident, offender, by, now, this.cfg.mode);
    incident.action = { type: 'quarantine', mode: this.cfg.mode, policy: plan.id, undo: plan.undo };
    return this.applyRecordOrThrow(record, by, 'manual-quarantine');
  }

  /** Release every quarantine whose TTL ran out by `nowMs` (the injected clock's time). */
  async expireDue(nowMs: number): Promise<QuarantineRecord[]> {
    const released: QuarantineRecord[] = [];
    for (const record of await this.list()) {
      if (record.state !== 'active' && record.state !== 'pending-approval') continue;
      if (Date.parse(record.expiresAt) > nowMs) continue;
      try {
        const why =
          record.state === 'pending-approval'
            ? `not approved within quarantine.ttl_secs (${this.cfg.ttl_secs}s)`
            : `TTL of ${this.cfg.ttl_secs}s ran out (quarantine.ttl_secs)`;
        released.push(await this.releaseRecord(record, 'ttl', why, 'expire'));
      } catch (error) {
        // Another replica released it first (conflict), or the sink is down: the next tick tries again.
        if (!(error instanceof QuarantineError && error.code === 'conflict'))
          this.logger.warn(
            { quarantineId: record.id, error: (error as Error).message },
            'Could not release an expired quarantine; will retry.',
          );
      }
    }
    return released;
  }

  async get(id: string): Promise<QuarantineRecord | undefined> {
    const text = await this.store.get(RECORD + id);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as QuarantineRecord;
    } catch {
      return undefined;
    }
  }

  /** Every quarantine record still kept, newest first. */
  async list(): Promise<QuarantineRecord[]> {
    const keys = await this.store.keys(RECORD);
    const records: QuarantineRecord[] = [];
    for (const key of keys) {
      const r = await this.get(key.slice(RECORD.length));
      if (r) records.push(r);
    }
    return records.sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id.localeCompare(b.id),
    );
  }

  /** The audit trail, oldest first. */
  async audit(): Promise<AuditEntry[]> {
    const keys = (await this.store.keys(AUDIT)).sort();
    const out: AuditEntry[] = [];
    for (const key of keys) {
      const text = await this.store.get(key);
      if (!text) continue;
      try {
        out.push(JSON.parse(text) as AuditEntry);
      } catch {
        // A corrupt entry is skipped, not fatal to the rest of the trail.
      }
    }
    return out;
  }

  /** Policies the sink currently holds (for reconciliation and the admin API). */
  async sinkPolicies(): Promise<AuthorizationPolicyManifest[]> {
    return this.sink.list();
  }

  // ---------------------------------------------------------------- internals

  private claimTtlMs(): number {
    // Backstop only (a replica that died between claim and record); records and expireDue are the truth.
    return this.cfg.ttl_secs * 2000;
  }

  private newRecord(
    plan: QuarantinePlan,
    incident: Incident,
    offender: Offender,
    by: string,
    now: number,
    mode: QuarantineMode,
  ): QuarantineRecord {
    return {
      id: plan.id,
      revision: randomBytes(8).toString('hex'),
      state: mode === 'pending-approval' ? 'pending-approval' : 'active',
      mode,
      offender: incident.workload,
      offenderHash: offender.hash,
      incident: { ...incident, action: { ...incident.action } },
      scope: plan.scope,
      policies: plan.policies,
      suggestions: plan.suggestions,
      notEnforced: plan.notEnforced,
      reason: plan.reason,
      undo: plan.undo,
      createdBy: by,
      createdAt: new Date(now).toISOString(),
      expiresAt: plan.expiresAt,
    };
  }

  private actionOf(record: QuarantineRecord, reason: string): IncidentAction {
    const action: IncidentAction = {
      type: 'quarantine',
      mode: record.mode,
      policy: record.id,
      reason,
      undo: record.undo,
    };
    if (record.notEnforced.length) action.notEnforced = [...record.notEnforced];
    return action;
  }

  private async invalidReasons(plan: QuarantinePlan): Promise<string[]> {
    const errors: string[] = [];
    for (const p of plan.policies)
      for (const e of await validatePolicy(p))
        errors.push(`${p.metadata.namespace}/${p.metadata.name}: ${e}`);
    return errors;
  }

  /** The live (active or pending) quarantine of this offender, clearing a stale claim if there is one. */
  private async activeFor(offenderHash: string): Promise<QuarantineRecord | undefined> {
    const id = await this.store.get(CLAIM + offenderHash);
    if (!id) return undefined;
    const record = await this.get(id);
    if (
      record &&
      (record.state === 'active' || record.state === 'pending-approval') &&
      record.offenderHash === offenderHash
    )
      return record;
    if (record) await this.store.delete(CLAIM + offenderHash); // released or failed: the claim is stale
    return undefined;
  }

  /** Another replica (or a concurrent call) holds the claim: report its quarantine. */
  private async lostClaim(offender: Offender, planId: string): Promise<IncidentAction> {
    this.metrics.quarantineActions.inc({ action: 'skip', result: 'duplicate' });
    // The winner writes its record right after claiming; give it a moment before answering without it.
    for (let i = 0; i < 10; i++) {
      const id = await this.store.get(CLAIM + offender.hash);
      const record = id ? await this.get(id) : undefined;
      if (record)
        return this.actionOf(
          record,
          `offender already quarantined as ${record.id} (incident ${record.incident.id})`,
        );
      await this.sleep(20);
    }
    const id = (await this.store.get(CLAIM + offender.hash)) ?? planId;
    return {
      type: 'quarantine',
      policy: id,
      reason: `offender is being quarantined as ${id} by another replica`,
    };
  }

  /** Take one slot of the blast-radius cap; false when the window is full. */
  private async claimCapSlot(now: number): Promise<boolean> {
    const max = this.cfg.max_per_window;
    if (max <= 0) return false;
    const windowMs = this.cfg.cap_window_secs * 1000;
    const bucket = Math.floor(now / windowMs);
    // Sliding window from two fixed buckets: slots of the previous bucket still count while they are
    // younger than the window, so a burst across a bucket boundary cannot double the cap.
    let stillLive = 0;
    for (const key of await this.store.keys(`${CAP}${bucket - 1}:`)) {
      const at = Number(await this.store.get(key));
      if (Number.isFinite(at) && at > now - windowMs) stillLive++;
    }
    for (let slot = 0; slot + stillLive < max; slot++) {
      if (await this.store.setIfAbsent(`${CAP}${bucket}:${slot}`, String(now), windowMs * 2)) return true;
    }
    return false;
  }

  private async saveRecord(record: QuarantineRecord): Promise<void> {
    const done = record.state === 'released' || record.state === 'failed';
    await this.store.set(
      RECORD + record.id,
      JSON.stringify(record),
      done ? this.cfg.audit_retention_secs * 1000 : undefined,
    );
  }

  /** Run a sink operation, retrying retryable outcomes with exponential backoff and jitter. */
  private async withRetry(op: () => Promise<Delivery>): Promise<Delivery> {
    let delay = this.cfg.apply_backoff_ms;
    let last: Delivery = { code: 'permanent', error: new Error('no attempt made') };
    for (let attempt = 1; attempt <= this.cfg.apply_max_attempts; attempt++) {
      try {
        last = await op();
      } catch (error) {
        last = { code: 'retryable', error: error instanceof Error ? error : new Error(String(error)) };
      }
      if (last.code !== 'retryable' || attempt === this.cfg.apply_max_attempts) return last;
      const wait = last.retryAfterMs ?? delay * (0.5 + Math.random());
      await this.sleep(Math.min(wait, 30_000));
      delay *= 2;
    }
    return last;
  }

  private async applyAll(record: QuarantineRecord): Promise<Delivery> {
    for (const policy of record.policies) {
      const d = await this.withRetry(() => this.sink.apply(policy));
      if (d.code !== 'ok')
        return {
          code: d.code,
          error: new Error(`${policy.metadata.namespace}/${policy.metadata.name}: ${d.error.message}`),
        } as Delivery;
    }
    for (const s of record.suggestions) {
      if (!this.sink.suggest) break;
      const d = await this.withRetry(() => this.sink.suggest!(s));
      if (d.code !== 'ok')
        this.logger.warn(
          { quarantineId: record.id, error: d.error.message },
          'Could not write the NetworkPolicy suggestion.',
        );
    }
    return { code: 'ok' };
  }

  /** Apply a prepared record; on failure alert only (automatic path). */
  private async applyRecord(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
  ): Promise<IncidentAction> {
    const result = await this.applyAll(record);
    if (result.code !== 'ok') {
      await this.markFailed(record, actor, result.error.message);
      return {
        type: 'alert',
        reason: `quarantine could not be applied (${this.sink.name} sink): ${result.error.message}`,
      };
    }
    await this.markApplied(record, actor, action);
    const applied =
      record.mode === 'dry-run'
        ? 'applied in dry-run (Istio logs, does not enforce)'
        : 'applied (enforcement follows as proxies receive it)';
    return this.actionOf(record, `${record.reason} Policy ${applied}.`);
  }

  private async applyRecordOrThrow(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
  ): Promise<QuarantineRecord> {
    const result = await this.applyAll(record);
    if (result.code !== 'ok') {
      if (action === 'approve') {
        // Keep it pending so the approval can be retried once the sink is back.
        await this.writeAudit({
          ...this.entryOf(record, actor, 'error', `approval could not be applied: ${result.error.message}`),
        });
        this.metrics.quarantineActions.inc({ action, result: 'error' });
        throw new QuarantineError(
          'sink_failed',
          `policy could not be applied (${this.sink.name} sink): ${result.error.message}`,
        );
      }
      await this.markFailed(record, actor, result.error.message);
      throw new QuarantineError(
        'sink_failed',
        `policy could not be applied (${this.sink.name} sink): ${result.error.message}`,
      );
    }
    await this.markApplied(record, actor, action);
    return record;
  }

  private async markApplied(record: QuarantineRecord, actor: string, action: AuditAction): Promise<void> {
    await this.saveRecord(record);
    this.metrics.quarantineActions.inc({ action: action === 'approve' ? 'approve' : 'apply', result: 'ok' });
    await this.writeAudit(this.entryOf(record, actor, action, record.reason));
    await this.refreshGauge();
    this.logger.info(
      {
        quarantineId: record.id,
        incidentId: record.incident.id,
        mode: record.mode,
        sink: this.sink.name,
        by: actor,
        expiresAt: record.expiresAt,
      },
      'Quarantine policy applied.',
    );
  }

  private async markFailed(record: QuarantineRecord, actor: string, message: string): Promise<void> {
    record.state = 'failed';
    record.error = message;
    await this.saveRecord(record);
    await this.store.delete(CLAIM + record.offenderHash); // a later incident may try again
    this.metrics.quarantineActions.inc({ action: 'apply', result: 'error' });
    await this.writeAudit(this.entryOf(record, actor, 'error', `apply failed: ${message}`));
    this.logger.error(
      { quarantineId: record.id, sink: this.sink.name, error: message },
      'Quarantine policy could not be applied; alerting only.',
    );
  }

  private async releaseRecord(
    record: QuarantineRecord,
    by: string,
    reason: string,
    action: 'release' | 'expire',
  ): Promise<QuarantineRecord> {
    if (record.state !== 'active' && record.state !== 'pending-approval')
      throw new QuarantineError('conflict', `quarantine ${record.id} is already ${record.state}`);
    // One replica releases and notifies, even when several run expireDue at the same moment.
    if (
      !(await this.store.setIfAbsent(
        `${RELEASE}${record.id}:${record.revision}`,
        by,
        this.cfg.audit_retention_secs * 1000,
      ))
    )
      throw new QuarantineError('conflict', `quarantine ${record.id} is being released already`);
    if (record.state === 'active') {
      for (const p of record.policies) {
        const d = await this.withRetry(() => this.sink.delete(p.metadata.namespace, p.metadata.name));
        if (d.code !== 'ok') {
          await this.store.delete(`${RELEASE}${record.id}:${record.revision}`);
          this.metrics.quarantineActions.inc({ action: 'release', result: 'error' });
          await this.writeAudit(this.entryOf(record, by, 'error', `release failed: ${d.error.message}`));
          throw new QuarantineError(
            'sink_failed',
            `policy ${p.metadata.namespace}/${p.metadata.name} could not be deleted: ${d.error.message}`,
          );
        }
      }
      for (const s of record.suggestions)
        await this.sink.deleteSuggestion?.(s.metadata.namespace, s.metadata.name);
    }
    const now = this.clock.nowMs();
    const released: QuarantineRecord = {
      ...record,
      state: 'released',
      releasedBy: by,
      releasedAt: new Date(now).toISOString(),
      releaseReason: reason,
    };
    await this.saveRecord(released);
    if ((await this.store.get(CLAIM + record.offenderHash)) === record.id)
      await this.store.delete(CLAIM + record.offenderHash);
    this.metrics.quarantineActions.inc({ action: 'release', result: 'ok' });
    await this.writeAudit(this.entryOf(released, by, action, reason));
    await this.refreshGauge();
    this.logger.info({ quarantineId: record.id, by, reason }, 'Quarantine released.');
    for (const listener of this.listeners) {
      try {
        listener(released, released.incident);
      } catch (error) {
        this.logger.warn({ error: (error as Error).message }, 'A release listener failed.');
      }
    }
    return released;
  }

  private async getOrThrow(id: string): Promise<QuarantineRecord> {
    const record = await this.get(id);
    if (!record) throw new QuarantineError('not_found', `no quarantine with id ${id}`);
    return record;
  }

  private entryOf(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
    reason: string,
  ): Omit<AuditEntry, 'at'> {
    return {
      actor,
      action,
      reason,
      quarantineId: record.id,
      incidentId: record.incident.id,
      offender: record.offender,
      mode: record.mode,
      policies: record.policies,
      undo: record.undo,
    };
  }

  private async writeAudit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    const now = this.clock.nowMs();
    const full: AuditEntry = { at: new Date(now).toISOString(), ...entry };
    const line = JSON.stringify(full);
    // Keys sort by time, then by a per-process sequence and a random suffix so replicas never collide.
    const key = `${AUDIT}${String(now).padStart(15, '0')}:${String(this.auditSeq++).padStart(9, '0')}:${randomBytes(3).toString('hex')}`;
    try {
      await this.store.set(key, line, this.cfg.audit_retention_secs * 1000);
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'Could not store an audit entry.');
    }
    if (this.cfg.audit_log_file) {
      try {
        await mkdir(dirname(this.cfg.audit_log_file), { recursive: true });
        await appendFile(this.cfg.audit_log_file, line + '\n');
      } catch (error) {
        this.logger.error(
          { error: (error as Error).message, file: this.cfg.audit_log_file },
          'Could not append to the audit log file.',
        );
      }
    }
  }

  private async refreshGauge(): Promise<void> {
    const counts: Record<string, number> = { enforce: 0, 'dry-run': 0, 'pending-approval': 0 };
    for (const r of await this.list())
      if (r.state === 'active' || r.state === 'pending-approval') counts[r.mode] = (counts[r.mode] ?? 0) + 1;
    for (const [mode, n] of Object.entries(counts)) this.metrics.quarantinesActive.set({ mode }, n);
  }
}
