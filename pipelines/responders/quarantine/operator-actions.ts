/**
 * What a person does through the admin API: approve a pending quarantine, release one, quarantine a
 * workload by hand. Protected namespaces and principals still hold; the blast-radius cap and approval do
 * not (a person decided). Each throws QuarantineError with a code the API maps to a status.
 */
import type { Incident, WorkloadIdentity } from '../../core/incident.js';
import type { QuarantineContext } from './context.js';
import { planContainment } from './decide.js';
import { protectedReason } from './guardrails.js';
import { describeOffender, EXPIRES_ANNOTATION, REASON_ANNOTATION } from './policy.js';
import type { MeshPlan } from './mesh/writer.js';
import { isContainment, newRecord, QuarantineError, type QuarantineRecord } from './record.js';

export async function getOrThrow(ctx: QuarantineContext, id: string): Promise<QuarantineRecord> {
  const record = await ctx.ledger.get(id);
  if (!record) throw new QuarantineError('not_found', `no quarantine with id ${id}`);
  return record;
}

async function throwIfInvalid(ctx: QuarantineContext, plan: MeshPlan): Promise<void> {
  const invalid = await ctx.enforcer.invalidReasons(plan);
  if (invalid.length) throw new QuarantineError('invalid', `policy failed validation: ${invalid.join('; ')}`);
}

/** Approve a pending quarantine: rebuilt with a fresh TTL and applied. `why` goes into the audit trail. */
export async function approve(
  ctx: QuarantineContext,
  id: string,
  by: string,
  why?: string,
): Promise<QuarantineRecord> {
  const record = await getOrThrow(ctx, id);
  if (record.state !== 'pending-approval')
    throw new QuarantineError('conflict', `quarantine ${id} is ${record.state}, not pending approval`);
  const described = describeOffender(record.offender, ctx.trustDomain);
  if (!described.ok) throw new QuarantineError('invalid', described.error);
  const now = ctx.clock.nowMs();
  const nameKind = record.incident.detectors.includes('manual') ? 'manual' : undefined;
  let plan: MeshPlan;
  if (isContainment(record)) {
    // A contained offender stays contained, to its baseline as the call graph holds it now.
    const built = await planContainment(ctx, record.incident, described.offender, now);
    if (!built.ok)
      throw new QuarantineError(
        'conflict',
        `${id} can no longer be contained to its baseline (${built.fallback}); dismiss it and quarantine the workload by hand`,
      );
    plan = built.plan;
  } else plan = await ctx.enforcer.plan(record.incident, described.offender, now, nameKind);
  await throwIfInvalid(ctx, plan);
  const approved: QuarantineRecord = {
    ...newRecord(plan, record.incident, described.offender, record.createdBy, now, ctx.cfg.mode),
    createdAt: record.createdAt,
    approvedBy: by,
    approvedAt: new Date(now).toISOString(),
  };
  // A person approved it: the automatic blast-radius cap does not apply to human decisions.
  return ctx.enforcer.applyOrThrow(approved, by, 'approve', why ?? approved.reason);
}

/**
 * Extend an active quarantine by `secs` (default one TTL) past its current expiry: its policies are
 * re-applied with the new expiry annotation, so a restarted replica honours it too.
 */
export async function extend(
  ctx: QuarantineContext,
  id: string,
  by: string,
  why: string,
  secs: number = ctx.cfg.ttl_secs,
): Promise<QuarantineRecord> {
  const record = await getOrThrow(ctx, id);
  if (record.state !== 'active')
    throw new QuarantineError('conflict', `quarantine ${id} is ${record.state}, not active`);
  const from = Math.max(ctx.clock.nowMs(), Date.parse(record.expiresAt) || 0);
  const expiresAt = new Date(from + secs * 1000).toISOString();
  const withExpiry = <T extends { metadata?: { annotations?: Record<string, string> } }>(m: T): T => ({
    ...m,
    metadata: { ...m.metadata, annotations: { ...m.metadata?.annotations, [EXPIRES_ANNOTATION]: expiresAt } },
  });
  const extended: QuarantineRecord = {
    ...record,
    expiresAt,
    policies: record.policies.map(withExpiry),
    suggestions: record.suggestions.map(withExpiry),
  };
  return ctx.enforcer.applyOrThrow(extended, by, 'extend', why);
}

/** Release a quarantine (delete its policies) and notify the release listeners. */
export async function release(
  ctx: QuarantineContext,
  id: string,
  by: string,
  reason: string,
): Promise<QuarantineRecord> {
  const record = await getOrThrow(ctx, id);
  return ctx.enforcer.release(record, by, reason, 'release');
}

/** Quarantine a workload by hand. Protected namespaces and principals still apply; the cap and approval do not. */
export async function quarantineManually(
  ctx: QuarantineContext,
  workload: WorkloadIdentity,
  reason: string,
  by: string,
): Promise<QuarantineRecord> {
  const { cfg, ledger } = ctx;
  const described = describeOffender(workload, ctx.trustDomain);
  if (!described.ok) throw new QuarantineError('invalid', described.error);
  const offender = described.offender;
  const protectedWhy = protectedReason(offender, cfg, ctx.protection);
  if (protectedWhy) throw new QuarantineError('forbidden', protectedWhy.replace(/: alert only$/, ''));
  const existing = await ledger.activeFor(offender.hash);
  if (existing) return existing;

  const now = ctx.clock.nowMs();
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
  const plan = await ctx.enforcer.plan(incident, offender, now, 'manual');
  plan.reason = `Manual quarantine of ${offender.principal ?? offender.address} by ${by}: ${reason.replace(/\s+/g, ' ').trim()} (until ${plan.expiresAt}).`;
  for (const p of [...plan.policies, ...plan.suggestions])
    if (p.metadata.annotations?.[REASON_ANNOTATION] !== undefined)
      p.metadata.annotations[REASON_ANNOTATION] = plan.reason;
  await throwIfInvalid(ctx, plan);
  if (!(await ledger.claim(offender.hash, plan.id))) {
    const other = await ledger.activeFor(offender.hash);
    if (other) return other;
    throw new QuarantineError(
      'conflict',
      'another replica is quarantining this workload right now; retry in a moment',
    );
  }
  const record = newRecord(plan, incident, offender, by, now, cfg.mode);
  incident.action = { type: 'quarantine', mode: cfg.mode, policy: plan.id, undo: plan.undo };
  return ctx.enforcer.applyOrThrow(record, by, 'manual-quarantine');
}
