/**
 * Planning a quarantine's resources (the configured mesh's writer) and putting them in place or taking
 * them away through the sink: the plan is built and validated (an invalid resource is never applied),
 * resources meshguard owns are applied and deleted, shared ones are read, merged and written back
 * conditionally (mesh/merge.ts; a lost race reads and merges again), sink outcomes are retried while
 * retryable, and every outcome is recorded in the ledger, the audit trail, the metrics and the log.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import type { Delivery } from '../../core/delivery.js';
import type { Incident, IncidentAction } from '../../core/incident.js';
import type { Metrics } from '../../core/metrics.js';
import { entryOf, type AuditAction, type AuditTrail } from './audit-trail.js';
import type { QuarantineConfig } from './config.js';
import type { QuarantineLedger } from './ledger.js';
import type { Offender } from './policy.js';
import type { CallerDirectory } from './mesh/callers.js';
import { mergeResource, unmergeResource } from './mesh/merge.js';
import { refOf, refText, type ChangeState, type MeshResource } from './mesh/resource.js';
import type { ContainmentScope, MeshPlan, MeshPolicyWriter } from './mesh/writer.js';
import { actionOf, isLive, QuarantineError, type QuarantineRecord } from './record.js';
import type { PolicySink } from './sinks/sink.js';
import { errorOf } from './sinks/sink.js';
import { validatePolicy } from './validate.js';
import type { AuthorizationPolicyManifest } from './policy.js';

export type ReleaseListener = (record: QuarantineRecord, incident: Incident) => void;

export interface EnforcerOptions {
  cfg: QuarantineConfig;
  sink: PolicySink;
  ledger: QuarantineLedger;
  audit: AuditTrail;
  clock: Clock;
  metrics: Metrics;
  logger: Logger;
  /** Base URL of the admin API, used in undo instructions. */
  adminUrl: string;
  /** Wait between sink retries; injectable so tests do not sleep. */
  sleep: (ms: number) => Promise<void>;
  /** The configured mesh's policy writer. */
  writer: MeshPolicyWriter;
  callers: CallerDirectory;
  trustDomain: string;
}

export class QuarantineEnforcer {
  private readonly listeners: ReleaseListener[] = [];

  constructor(private readonly o: EnforcerOptions) {}

  get sinkName(): string {
    return this.o.sink.name;
  }

  /** Called with every released quarantine (TTL or by hand), once across replicas. */
  onRelease(listener: ReleaseListener): void {
    this.listeners.push(listener);
  }

  /** The resources that quarantine this offender from `nowMs`, in the configured mode and mesh. */
  plan(
    incident: Incident,
    offender: Offender,
    nowMs: number,
    nameKind?: string,
    containment?: ContainmentScope,
  ): Promise<MeshPlan> {
    return this.o.writer.plan({
      ...(containment ? { containment } : {}),
      incident,
      offender,
      cfg: this.o.cfg,
      applyMode: this.o.cfg.mode,
      nowMs,
      adminUrl: this.o.adminUrl,
      nameKind,
      trustDomain: this.o.trustDomain,
      reader: this.o.sink,
      callers: this.o.callers,
    });
  }

  /** Every reason the plan's resources must not be applied, each naming its resource (empty = valid). */
  async invalidReasons(plan: MeshPlan): Promise<string[]> {
    const errors: string[] = [];
    if (plan.policies.length === 0 && plan.suggestions.length === 0)
      errors.push(`the ${this.o.writer.mesh} writer has nothing to apply: ${plan.notEnforced.join('; ')}`);
    const istio = this.o.writer.mesh === 'istio' || this.o.writer.mesh === 'ambient';
    // Istio's suggestions are Kubernetes NetworkPolicies, reviewed by a person; other meshes suggest their own kinds.
    for (const p of istio ? plan.policies : [...plan.policies, ...plan.suggestions]) {
      const found = istio
        ? await validatePolicy(p as AuthorizationPolicyManifest)
        : this.o.writer.invariantErrors(p);
      for (const e of found) errors.push(`${refText(refOf(p))}: ${e}`);
    }
    return errors;
  }

  /** Apply a prepared record; on failure the incident only alerts (the automatic path). */
  async applyAutomatic(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
  ): Promise<IncidentAction> {
    const result = await this.applyAll(record);
    if (result.code !== 'ok') {
      await this.markFailed(record, actor, result.error.message);
      return {
        type: 'alert',
        reason: `quarantine could not be applied (${this.sinkName} sink): ${result.error.message}`,
      };
    }
    await this.markApplied(record, actor, action);
    const applied = this.o.writer.appliedText(record.mode === 'dry-run' ? 'dry-run' : 'enforce');
    return actionOf(record, `${record.reason} Policy ${applied}.`);
  }

  /**
   * Apply a prepared record for a person (approve, extend, manual); on failure throw
   * QuarantineError('sink_failed'). `why` is the person's reason for the audit trail (default: the record's).
   */
  async applyOrThrow(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
    why: string = record.reason,
  ): Promise<QuarantineRecord> {
    const result = await this.applyAll(record);
    if (result.code !== 'ok') {
      if (action === 'approve' || action === 'extend') {
        // Keep it as it was (pending, or active until its old expiry) so the person can retry.
        await this.o.audit.write(
          entryOf(record, actor, 'error', `approval could not be applied: ${result.error.message}`),
        );
        this.o.metrics.quarantineActions.inc({ action, result: 'error' });
      } else {
        await this.markFailed(record, actor, result.error.message);
      }
      throw new QuarantineError(
        'sink_failed',
        `policy could not be applied (${this.sinkName} sink): ${result.error.message}`,
      );
    }
    await this.markApplied(record, actor, action, why);
    return record;
  }

  /** Delete a live quarantine's policies, mark it released and tell the listeners. */
  async release(
    record: QuarantineRecord,
    by: string,
    reason: string,
    action: 'release' | 'expire',
  ): Promise<QuarantineRecord> {
    const { ledger, audit, metrics, sink } = this.o;
    if (!isLive(record))
      throw new QuarantineError('conflict', `quarantine ${record.id} is already ${record.state}`);
    if (!(await ledger.claimRelease(record, by)))
      throw new QuarantineError('conflict', `quarantine ${record.id} is being released already`);
    if (record.state === 'active') {
      // Reverse order: a Linkerd Server's default goes back before the authorizations it relied on go.
      for (let i = record.policies.length - 1; i >= 0; i--) {
        const p = record.policies[i]!;
        const d = await this.takeOut(record, p, changeOf(record, i));
        if (d.code !== 'ok') {
          await ledger.unclaimRelease(record);
          metrics.quarantineActions.inc({ action: 'release', result: 'error' });
          await audit.write(entryOf(record, by, 'error', `release failed: ${d.error.message}`));
          throw new QuarantineError(
            'sink_failed',
            `${refText(refOf(p))} could not be released: ${d.error.message}`,
          );
        }
      }
    }
    if (record.state === 'active' || record.suggestions.length)
      for (const s of record.suggestions) await sink.deleteSuggestion?.(refOf(s));
    const released: QuarantineRecord = {
      ...record,
      state: 'released',
      releasedBy: by,
      releasedAt: new Date(this.o.clock.nowMs()).toISOString(),
      releaseReason: reason,
    };
    await ledger.save(released);
    await ledger.unclaimFor(record);
    metrics.quarantineActions.inc({ action: 'release', result: 'ok' });
    await audit.write(entryOf(released, by, action, reason));
    await ledger.refreshGauge();
    this.o.logger.info({ quarantineId: record.id, by, reason }, 'Quarantine released.');
    for (const listener of this.listeners) {
      try {
        listener(released, released.incident);
      } catch (error) {
        this.o.logger.warn({ error: (error as Error).message }, 'A release listener failed.');
      }
    }
    return released;
  }

  /** Run a sink operation, retrying retryable outcomes with exponential backoff and jitter. */
  private async withRetry(op: () => Promise<Delivery>): Promise<Delivery> {
    const { apply_max_attempts: maxAttempts } = this.o.cfg;
    let delay = this.o.cfg.apply_backoff_ms;
    let last: Delivery = { code: 'permanent', error: new Error('no attempt made') };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        last = await op();
      } catch (error) {
        last = { code: 'retryable', error: errorOf(error) };
      }
      if (last.code !== 'retryable' || attempt === maxAttempts) return last;
      const wait = last.retryAfterMs ?? delay * (0.5 + Math.random());
      await this.o.sleep(Math.min(wait, 30_000));
      delay *= 2;
    }
    return last;
  }

  /** Merge meshguard's part into a shared resource: read, merge, conditional write; a lost race starts over. */
  private async putIn(record: QuarantineRecord, resource: MeshResource, index: number): Promise<Delivery> {
    const { sink } = this.o;
    return this.withRetry(async () => {
      const current = await sink.read(refOf(resource));
      const { next, undo } = mergeResource(current?.resource, resource, record.id);
      const d = await sink.write(next, current?.version);
      if (d.code === 'ok') {
        record.changes ??= record.policies.map(() => ({ op: 'create' }));
        record.changes[index] = { op: 'merge', undo };
      }
      return d;
    });
  }

  /** Take this quarantine's part out of a resource: delete what it owns, unmerge what it shares. */
  private takeOut(record: QuarantineRecord, resource: MeshResource, change: ChangeState): Promise<Delivery> {
    const { sink } = this.o;
    const ref = refOf(resource);
    if (change.op === 'create') return this.withRetry(() => sink.delete(ref));
    return this.withRetry(async () => {
      const current = await sink.read(ref);
      const next = unmergeResource(current?.resource, resource, record.id, change.undo);
      if (next === undefined) return { code: 'ok' };
      return next === null ? sink.delete(ref, current!.version) : sink.write(next, current!.version);
    });
  }

  private async applyAll(record: QuarantineRecord): Promise<Delivery> {
    const { sink } = this.o;
    for (const [i, policy] of record.policies.entries()) {
      const d =
        changeOf(record, i).op === 'merge'
          ? await this.putIn(record, policy, i)
          : await this.withRetry(() => sink.apply(policy));
      if (d.code !== 'ok')
        return { code: d.code, error: new Error(`${refText(refOf(policy))}: ${d.error.message}`) };
    }
    for (const s of record.suggestions) {
      if (!sink.suggest) break;
      const d = await this.withRetry(() => sink.suggest!(s));
      if (d.code !== 'ok')
        this.o.logger.warn(
          { quarantineId: record.id, error: d.error.message },
          'Could not write a suggestion.',
        );
    }
    return { code: 'ok' };
  }

  private async markApplied(
    record: QuarantineRecord,
    actor: string,
    action: AuditAction,
    why: string = record.reason,
  ): Promise<void> {
    await this.o.ledger.save(record);
    this.o.metrics.quarantineActions.inc({
      action: action === 'approve' ? 'approve' : 'apply',
      result: 'ok',
    });
    await this.o.audit.write(entryOf(record, actor, action, why));
    await this.o.ledger.refreshGauge();
    this.o.logger.info(
      {
        quarantineId: record.id,
        incidentId: record.incident.id,
        mode: record.mode,
        sink: this.sinkName,
        by: actor,
        expiresAt: record.expiresAt,
      },
      'Quarantine policy applied.',
    );
  }

  private async markFailed(record: QuarantineRecord, actor: string, message: string): Promise<void> {
    record.state = 'failed';
    record.error = message;
    await this.o.ledger.save(record);
    await this.o.ledger.unclaim(record.offenderHash); // a later incident may try again
    this.o.metrics.quarantineActions.inc({ action: 'apply', result: 'error' });
    await this.o.audit.write(entryOf(record, actor, 'error', `apply failed: ${message}`));
    this.o.logger.error(
      { quarantineId: record.id, sink: this.sinkName, error: message },
      'Quarantine policy could not be applied; alerting only.',
    );
  }
}

/** How the record's i-th resource is put in place (records from before merges: created). */
function changeOf(record: QuarantineRecord, i: number): ChangeState {
  return record.changes?.[i] ?? { op: 'create' };
}
