/**
 * Graduated containment in the quarantine decision: a medium-severity offender is contained to its
 * baseline (it keeps the edges the call graph learned for it before the incident and loses every other,
 * least-privilege/contain.ts) instead of the full DENY; high and critical keep the full quarantine.
 * This file decides which of the two an incident gets and builds the containment as a quarantine plan:
 * the same labels, annotations, expiry, undo and dry-run mode, so every guardrail, the ledger, the TTL and
 * release treat it like any quarantine.
 */
import type { Incident } from '../../core/incident.js';
import type { DestinationNode } from '../../features/call-graph.js';
import {
  baselineOf,
  containmentFor,
  containToBaseline,
  CONTAINMENT_LABEL,
} from '../least-privilege/contain.js';
import type { QuarantineConfig } from './config.js';
import type { ContainmentScope } from './mesh/writer.js';
import type { Destination } from './mesh/targets.js';
import {
  containmentName,
  QUARANTINE_ID_LABEL,
  quarantineMetadata,
  type AuthorizationPolicyManifest,
  type Offender,
  type PlanInput,
  type QuarantinePlan,
} from './policy.js';

export { containmentName } from './policy.js';

/** The learned call graph, as the quarantine reads it (the features layer's CallGraph satisfies it). */
export interface BaselineGraph {
  destinations(): DestinationNode[];
}

/** What an incident's offender gets: the full quarantine, or containment to its baseline. */
export type ResponseKind = 'quarantine' | 'contain-to-baseline';

/** More policies than this and containment is no longer a small, reviewable change: full quarantine. */
export const MAX_CONTAINMENT_POLICIES = 64;

export type ContainmentChoice =
  | { kind: 'contain-to-baseline'; destinations: DestinationNode[] }
  /** `fallback`: why a medium offender gets the full quarantine after all (said in the incident). */
  | { kind: 'quarantine'; fallback?: string };

/** The meshes containment is written for: Istio's DENY by selector, Linkerd's servers, Consul's intentions. */
const CONTAINING_MESHES = new Set(['istio', 'linkerd', 'consul']);

/**
 * Which response this incident gets. Containment needs: the switch on, a medium severity, a mesh it is
 * written for (Istio sidecars, Linkerd, Consul; ambient's ztunnel and Cilium are not), an mTLS principal
 * (an address cannot be matched reliably) and at least one edge of the offender learned before the
 * incident began.
 */
export function chooseResponse(
  incident: Incident,
  offender: Offender,
  cfg: QuarantineConfig,
  baseline: BaselineGraph | undefined,
): ContainmentChoice {
  if (!cfg.contain_to_baseline || containmentFor(incident.severity) !== 'contain-to-baseline')
    return { kind: 'quarantine' };
  const fallback = (why: string): ContainmentChoice => ({ kind: 'quarantine', fallback: notContained(why) });
  if (!CONTAINING_MESHES.has(cfg.mesh ?? 'istio'))
    return fallback(
      `contain to baseline is written for Istio sidecars, mesh is ${cfg.mesh} (besides them only Linkerd and Consul)`,
    );
  if (!offender.principal) return fallback('no mTLS principal to match');
  if (!baseline) return fallback('no call graph is learned in this process');
  const destinations = baseline.destinations();
  const before = Date.parse(incident.firstEventTime);
  if (baselineOf(offender.principal, destinations, Number.isFinite(before) ? before : undefined).length === 0)
    return fallback('the call graph holds no edge of the offender from before the incident');
  return { kind: 'contain-to-baseline', destinations };
}

/**
 * For the meshes that write containment per destination (Linkerd, Consul): the offender's learned
 * destinations (kept) and every other destination the call graph knows outside the protected namespaces
 * (protected from it), one per learned port.
 */
export function containmentScope(
  principal: string,
  destinations: readonly DestinationNode[],
  baselineBeforeMs: number | undefined,
  protectedNamespaces: readonly string[],
): ContainmentScope & { kept: string[] } {
  const kept = baselineOf(principal, destinations, baselineBeforeMs);
  const isProtected = new Set(protectedNamespaces);
  const perPort = (d: DestinationNode): Destination[] =>
    d.ports.size === 0
      ? [{ namespace: d.namespace, name: d.workload }]
      : [...d.ports]
          .sort((a, b) => a - b)
          .map((port) => ({ namespace: d.namespace, name: d.workload, port }));
  return {
    kept: kept.map((d) => d.key),
    keep: kept.map((d) => ({ namespace: d.namespace, name: d.workload })),
    protect: destinations
      .filter((d) => !kept.includes(d) && !isProtected.has(d.namespace) && d.workload !== '')
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .flatMap(perPort),
  };
}

/** Why a medium offender gets the full quarantine after all, as the incident says it. */
export function notContained(why: string): string {
  return `not contained to its baseline (${why}): full quarantine instead`;
}

export interface ContainmentPlan extends QuarantinePlan {
  /** The destinations the offender keeps (`<namespace>/<workload>`). */
  kept: string[];
}

/**
 * The containment of one offender as a quarantine plan, or why it cannot be one (no policy to write,
 * too many). Pure: same input, same output.
 */
export function buildContainmentPlan(
  input: PlanInput & { destinations: readonly DestinationNode[]; protectedNamespaces: readonly string[] },
): { ok: true; plan: ContainmentPlan } | { ok: false; fallback: string } {
  const { incident, offender, cfg, nowMs } = input;
  if (!offender.principal) return { ok: false, fallback: notContained('no mTLS principal to match') };
  const id = containmentName(input.nameKind ?? incident.kind, offender.hash);
  const expiresAt = new Date(nowMs + cfg.ttl_secs * 1000).toISOString();
  const first = Date.parse(incident.firstEventTime);
  const before = Number.isFinite(first) ? first : undefined;
  const keeps = baselineOf(offender.principal, input.destinations, before).map((d) => d.key);
  const reason =
    `${incident.kind.replace(/_/g, ' ')} by ${offender.principal} (severity ${incident.severity}, score ${incident.score.toFixed(2)}, ` +
    `incident ${incident.id}): contained to its baseline until ${expiresAt}: it may still call ${keeps.join(', ')} ` +
    `(its edges learned before ${incident.firstEventTime}); every other call to a workload the call graph knows is denied.`;
  // One label selects every policy of the containment, however many namespaces it spans.
  const api = `curl -X POST -H "Authorization: Bearer $TOKEN" ${input.adminUrl.replace(/\/+$/, '')}/api/quarantines/${id}/release`;
  const undo = `kubectl delete authorizationpolicy --all-namespaces -l ${QUARANTINE_ID_LABEL}=${id} (or through meshguard: ${api})`;
  const meta = { incident, offender, id, reason, expiresAt, undo, applyMode: input.applyMode };
  const plan = containToBaseline(offender.principal, input.destinations, input.protectedNamespaces, {
    id,
    baselineBeforeMs: before,
    metadata: (namespace, name) => {
      const m = quarantineMetadata(meta, namespace, name);
      return { ...m, labels: { ...m.labels, [CONTAINMENT_LABEL]: 'contain-to-baseline' } };
    },
  });
  if (plan.policies.length === 0)
    return { ok: false, fallback: notContained('no other destination to deny') };
  if (plan.policies.length > MAX_CONTAINMENT_POLICIES)
    return {
      ok: false,
      fallback: notContained(`${plan.policies.length} policies, more than ${MAX_CONTAINMENT_POLICIES}`),
    };
  const policies: AuthorizationPolicyManifest[] = plan.policies;
  return {
    ok: true,
    plan: {
      id,
      policies,
      suggestions: [],
      scope: 'namespaces',
      notEnforced: plan.notEnforced,
      reason,
      undo,
      expiresAt,
      kept: plan.kept,
    },
  };
}
