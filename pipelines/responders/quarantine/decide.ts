/**
 * The automatic path: an incident in, the action to record on it out. Guardrails in order (enabled,
 * offender, protected, min_severity; already quarantined; a valid policy; the claim across replicas;
 * approval below a severity; the blast-radius cap), then the policies go to the sink.
 */
import { EventClock } from '../../core/clock.js';
import type { Incident, IncidentAction } from '../../core/incident.js';
import type { DestinationNode } from '../../features/call-graph.js';
import { containmentFor } from '../least-privilege/contain.js';
import {
  buildContainmentPlan,
  chooseResponse,
  containmentScope,
  MAX_CONTAINMENT_POLICIES,
  notContained,
} from './containment.js';
import { MAX_DESTINATIONS } from './mesh/targets.js';
import type { QuarantineContext } from './context.js';
import { isStrongEvidence, needsApproval, protectedNamespaces, screenIncident } from './guardrails.js';
import type { Offender } from './policy.js';
import { entryOf } from './audit-trail.js';
import type { MeshPlan } from './mesh/writer.js';
import { actionOf, alreadyQuarantined, isContainment, newRecord } from './record.js';

/** Containment to the offender's baseline as a mesh plan, or why it cannot be built. */
export async function planContainment(
  ctx: QuarantineContext,
  incident: Incident,
  offender: Offender,
  nowMs: number,
  destinations: DestinationNode[] = ctx.baseline?.destinations() ?? [],
): Promise<{ ok: true; plan: MeshPlan } | { ok: false; fallback: string }> {
  const mesh = ctx.cfg.mesh ?? 'istio';
  if (mesh === 'linkerd' || mesh === 'consul')
    return planPerDestinationContainment(ctx, incident, offender, nowMs, destinations);
  const built = buildContainmentPlan({
    incident,
    offender,
    cfg: ctx.cfg,
    applyMode: ctx.cfg.mode,
    nowMs,
    adminUrl: ctx.adminUrl,
    destinations,
    protectedNamespaces: [...protectedNamespaces(ctx.cfg, ctx.protection)],
  });
  if (!built.ok) return built;
  const changes = built.plan.policies.map(() => ({ op: 'create' as const }));
  return { ok: true, plan: { ...built.plan, changes, containment: 'contain-to-baseline' } };
}

/**
 * Linkerd and Consul: the mesh's writer builds the containment from the scope (kept and protected
 * destinations). Too many destinations to protect, or nothing the writer could write, and the offender
 * gets the full quarantine instead, said in the incident.
 */
async function planPerDestinationContainment(
  ctx: QuarantineContext,
  incident: Incident,
  offender: Offender,
  nowMs: number,
  destinations: DestinationNode[],
): Promise<{ ok: true; plan: MeshPlan } | { ok: false; fallback: string }> {
  if (!offender.principal) return { ok: false, fallback: notContained('no mTLS principal to match') };
  const first = Date.parse(incident.firstEventTime);
  const scope = containmentScope(
    offender.principal,
    destinations,
    Number.isFinite(first) ? first : undefined,
    [...protectedNamespaces(ctx.cfg, ctx.protection)],
  );
  if (scope.protect.length === 0)
    return { ok: false, fallback: notContained('no other destination to deny') };
  // Linkerd changes every protected server's default to deny: past a handful it is no small change.
  // Consul names services, not ports: one intention per destination service.
  const count =
    ctx.cfg.mesh === 'linkerd' ? scope.protect.length : new Set(scope.protect.map((d) => d.name)).size;
  const limit = ctx.cfg.mesh === 'linkerd' ? MAX_DESTINATIONS : MAX_CONTAINMENT_POLICIES;
  if (count > limit)
    return { ok: false, fallback: notContained(`${count} destinations to protect, more than ${limit}`) };
  const plan = await ctx.enforcer.plan(incident, offender, nowMs, undefined, scope);
  if (plan.policies.length === 0 && plan.suggestions.length === 0)
    return { ok: false, fallback: notContained(plan.notEnforced.join('; ')) };
  return { ok: true, plan: { ...plan, containment: 'contain-to-baseline', kept: scope.kept } };
}

/**
 * The plan for this incident's response: containment to the offender's baseline when graduated
 * containment chooses it and it can be built, else the configured mesh's full quarantine (saying why a
 * medium offender with a principal was not contained).
 */
async function planResponse(ctx: QuarantineContext, incident: Incident, offender: Offender, nowMs: number) {
  const choice = chooseResponse(incident, offender, ctx.cfg, ctx.baseline);
  let fallback = choice.kind === 'quarantine' ? choice.fallback : undefined;
  if (choice.kind === 'contain-to-baseline') {
    const built = await planContainment(ctx, incident, offender, nowMs, choice.destinations);
    if (built.ok) return built.plan;
    fallback = built.fallback;
  }
  const plan = await ctx.enforcer.plan(incident, offender, nowMs);
  // An address offender is never contained (its IP note says enough); a principal one is told why.
  if (fallback && offender.principal) plan.notEnforced = [fallback, ...plan.notEnforced];
  return plan;
}

/** Guardrails → policy → sink. Returns the action to record on the incident; never throws. */
export async function decideQuarantine(ctx: QuarantineContext, incident: Incident): Promise<IncidentAction> {
  try {
    return await decideOrThrow(ctx, incident);
  } catch (error) {
    const message = (error as Error).message;
    ctx.metrics.quarantineActions.inc({ action: 'apply', result: 'error' });
    ctx.logger.error(
      { error: message, incidentId: incident?.id },
      'Quarantine decision failed; alerting only.',
    );
    return { type: 'alert', reason: `quarantine failed: ${message}` };
  }
}

/** The incident only alerts: counted as a skip with its result label. */
function skip(ctx: QuarantineContext, result: string, reason: string): IncidentAction {
  ctx.metrics.quarantineActions.inc({ action: 'skip', result });
  return { type: 'alert', reason };
}

async function decideOrThrow(ctx: QuarantineContext, incident: Incident): Promise<IncidentAction> {
  const { cfg, ledger, audit, enforcer } = ctx;

  const screening = screenIncident(incident, cfg, ctx.trustDomain, ctx.protection);
  if (!screening.ok) {
    if (screening.result === 'invalid')
      ctx.logger.warn(
        { incidentId: incident.id, error: screening.error },
        'Incident names no offender a policy can match.',
      );
    if (screening.result === 'protected')
      await audit.write({
        actor: 'meshguard',
        action: 'skip',
        reason: screening.reason,
        incidentId: incident.id,
        offender: incident.workload,
      });
    return skip(ctx, screening.result, screening.reason);
  }
  const offender = screening.offender;

  const existing = await ledger.activeFor(offender.hash);
  if (existing && isContainment(existing) && containmentFor(incident.severity) === 'quarantine') {
    // Graduated: a contained offender that now raises a high or critical incident is cut off entirely.
    await ctx.enforcer.release(
      existing,
      'meshguard',
      `escalated to full quarantine by incident ${incident.id} (severity ${incident.severity})`,
      'release',
    );
  } else if (existing) {
    ctx.metrics.quarantineActions.inc({ action: 'skip', result: 'duplicate' });
    return actionOf(existing, alreadyQuarantined(existing));
  }

  // In event time (a replay) the decision is dated at the detection, not at however far the replay has
  // run while the ledger was read: the same input gives the same expiry, byte for byte.
  const detectedMs = Date.parse(incident.detectedAt);
  const now = ctx.clock instanceof EventClock && Number.isFinite(detectedMs) ? detectedMs : ctx.clock.nowMs();
  const untrusted = ctx.protection.unauthenticatedInput;
  const approval = needsApproval(incident, cfg) || untrusted !== undefined;
  const plan = await planResponse(ctx, incident, offender, now);

  const invalid = await enforcer.invalidReasons(plan);
  if (invalid.length) {
    ctx.metrics.quarantineActions.inc({ action: 'apply', result: 'invalid' });
    ctx.logger.error(
      { incidentId: incident.id, quarantineId: plan.id, errors: invalid },
      'Built an invalid policy; not applying it.',
    );
    await audit.write({
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
  if (!(await ledger.claim(offender.hash, plan.id))) return lostClaim(ctx, offender, plan.id);

  const record = newRecord(
    plan,
    incident,
    offender,
    'meshguard',
    now,
    approval ? 'pending-approval' : cfg.mode,
  );

  if (approval) {
    record.reason = needsApproval(incident, cfg)
      ? `${plan.reason} Waiting for approval: severity ${incident.severity} is below quarantine.approval_below_severity (${cfg.approval_below_severity}).`
      : `${plan.reason} Waiting for approval: ${untrusted}, so the identities in the records could be forged.`;
    await ledger.save(record);
    ctx.metrics.quarantineActions.inc({ action: 'apply', result: 'pending_approval' });
    await audit.write(entryOf(record, 'meshguard', 'pending-approval', record.reason));
    await ledger.refreshGauge();
    ctx.logger.info({ quarantineId: record.id, incidentId: incident.id }, 'Quarantine waits for approval.');
    return actionOf(record, record.reason);
  }

  if (!(await ctx.cap.take(now, isStrongEvidence(incident)))) {
    // Never downgraded to an alert: decoys that spent the cap must not buy the real offender its freedom.
    // The quarantine waits for a person, and the alert of a pending approval pages every channel.
    const pending = newRecord(plan, incident, offender, 'meshguard', now, 'pending-approval');
    const weak = isStrongEvidence(incident) ? '' : ` (weak evidence may use ${ctx.cap.weakShare} of them)`;
    pending.reason = `${plan.reason} Waiting for approval: ${ctx.cap.reachedReason}${weak}; on-call is paged to approve or dismiss it.`;
    await ledger.save(pending);
    ctx.metrics.quarantineActions.inc({ action: 'apply', result: 'cap_reached_pending_approval' });
    await audit.write(entryOf(pending, 'meshguard', 'pending-approval', pending.reason));
    await ledger.refreshGauge();
    ctx.logger.warn(
      { quarantineId: pending.id, incidentId: incident.id },
      'Blast-radius cap reached; the quarantine waits for approval.',
    );
    return actionOf(pending, pending.reason);
  }

  return enforcer.applyAutomatic(record, 'meshguard', 'quarantine');
}

/** Another replica (or a concurrent call) holds the claim: report its quarantine. */
async function lostClaim(
  ctx: QuarantineContext,
  offender: Offender,
  planId: string,
): Promise<IncidentAction> {
  ctx.metrics.quarantineActions.inc({ action: 'skip', result: 'duplicate' });
  // The winner writes its record right after claiming; give it a moment before answering without it.
  for (let i = 0; i < 10; i++) {
    const id = await ctx.ledger.claimedBy(offender.hash);
    const record = id ? await ctx.ledger.get(id) : undefined;
    if (record) return actionOf(record, alreadyQuarantined(record));
    await ctx.sleep(20);
  }
  const id = (await ctx.ledger.claimedBy(offender.hash)) ?? planId;
  return {
    type: 'quarantine',
    policy: id,
    reason: `offender is being quarantined as ${id} by another replica`,
  };
}
