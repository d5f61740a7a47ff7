/**
 * Graduated containment. A medium-severity offender is contained to its baseline: it keeps the edges the
 * call graph learned for it and loses every other; high and critical get the full quarantine.
 *
 * The encoding, given Istio's semantics:
 * - A policy is enforced by the receiver, so "the offender may call only X and Y" has to be written at
 *   every receiver other than X and Y, never at the offender.
 * - It must be DENY. An ALLOW at the other receivers would make each of them default-deny for everybody;
 *   and an ALLOW cannot carve exceptions out of a DENY (DENY is evaluated first).
 * - A DENY cannot select "every workload but X": selectors only match labels. So: a namespace-wide DENY
 *   for the offender in each namespace where it has no learned edge, and, in namespaces holding a learned
 *   destination, one DENY per other known workload (by its selector). A workload of such a namespace that
 *   the graph never saw is not covered, and that is said.
 * - L4 only (`source.principals`): the quarantine's rule (an L7 field in a DENY on a TCP port denies the
 *   whole port; `hosts` would be the caller's own Host header, which it can forge).
 * - Without an mTLS principal the offender cannot be matched reliably: no containment, full quarantine's
 *   IP fallback applies instead.
 */
import type { DestinationNode } from '../../features/call-graph.js';
import type { Severity } from '../../core/incident.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  REASON_ANNOTATION,
  hash8,
  toPolicyPrincipal,
  type ObjectMeta,
} from '../quarantine/policy.js';
import { selectorOf } from './selector.js';

export type Containment = 'none' | 'contain-to-baseline' | 'quarantine';

/** Which response a severity gets: full quarantine stays for high and critical. */
export function containmentFor(severity: Severity): Containment {
  if (severity === 'high' || severity === 'critical') return 'quarantine';
  return severity === 'medium' ? 'contain-to-baseline' : 'none';
}

export interface ContainDenyPolicy {
  apiVersion: 'security.istio.io/v1';
  kind: 'AuthorizationPolicy';
  metadata: ObjectMeta;
  spec: {
    action: 'DENY';
    selector?: { matchLabels: Record<string, string> };
    rules: Array<{ from: Array<{ source: { principals: string[] } }> }>;
  };
}

export interface ContainmentPlan {
  /** Destinations the offender keeps (its learned edges). */
  kept: string[];
  policies: ContainDenyPolicy[];
  notEnforced: string[];
}

export const CONTAINMENT_LABEL = 'meshguard.io/containment';

/**
 * The DENY policies that leave `principal` (SPIFFE or Istio form) only its learned edges among the
 * graph's destinations. Protected namespaces are never written to (as for quarantine).
 */
export interface ContainOptions {
  /**
   * The baseline is the edges first seen before this time (event time; the incident's first event): the
   * offender's calls during the attack are in the graph too, and must never be kept. Default: every edge.
   */
  baselineBeforeMs?: number;
  /** The policies' name prefix (default `meshguard-contain-<hash8 of the principal>`). */
  id?: string;
  /** Each policy's metadata (the quarantine's labels and annotations); default: owned and explained. */
  metadata?: (namespace: string, name: string, reason: string) => ObjectMeta;
}

/** The offender's learned (baseline) edges: destinations it called before `beforeMs`. */
export function baselineOf(
  principal: string,
  destinations: readonly DestinationNode[],
  beforeMs = Number.POSITIVE_INFINITY,
): DestinationNode[] {
  const p = toPolicyPrincipal(principal);
  const spiffe = `spiffe://${p}`;
  return destinations.filter((d) => {
    const edge = d.callers.get(spiffe) ?? d.callers.get(p);
    return edge !== undefined && edge.firstSeenMs < beforeMs;
  });
}

export function containToBaseline(
  principal: string,
  destinations: readonly DestinationNode[],
  protectedNamespaces: readonly string[],
  opts: ContainOptions = {},
): ContainmentPlan {
  const p = toPolicyPrincipal(principal);
  const hash = hash8(p);
  const id = opts.id ?? `meshguard-contain-${hash}`;
  const kept = baselineOf(p, destinations, opts.baselineBeforeMs);
  const keptNs = new Set(kept.map((d) => d.namespace));
  const isProtected = new Set(protectedNamespaces);
  const reason = `contained to its baseline: ${p} may still call ${kept.map((d) => d.key).join(', ') || 'nothing'}; every other call is denied`;
  const meta = (namespace: string, name: string): ContainDenyPolicy['metadata'] =>
    opts.metadata?.(namespace, name, reason) ?? {
      name,
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [CONTAINMENT_LABEL]: id },
      annotations: { [REASON_ANNOTATION]: reason },
    };
  const rules = (): ContainDenyPolicy['spec']['rules'] => [{ from: [{ source: { principals: [p] } }] }];
  const plan: ContainmentPlan = { kept: kept.map((d) => d.key), policies: [], notEnforced: [] };

  const namespaces = [...new Set(destinations.map((d) => d.namespace))].sort();
  for (const ns of namespaces) {
    if (isProtected.has(ns)) continue;
    if (!keptNs.has(ns)) {
      plan.policies.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: meta(ns, id),
        spec: { action: 'DENY', rules: rules() },
      });
      continue;
    }
    for (const d of destinations.filter((x) => x.namespace === ns && !kept.includes(x))) {
      const selector = selectorOf(d.labels);
      if (selector === undefined) {
        plan.notEnforced.push(`${d.key}: no pod labels known, so no policy can select it`);
        continue;
      }
      plan.policies.push({
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: meta(ns, `${id}-${hash8(d.key)}`),
        spec: { action: 'DENY', selector: { matchLabels: selector }, rules: rules() },
      });
    }
    plan.notEnforced.push(
      `namespace ${ns} holds a learned destination, so it is denied workload by workload: a workload there that the call graph never saw is not covered`,
    );
  }
  plan.notEnforced.push(
    'namespaces the call graph never saw are not covered (a DENY cannot select "everything but its baseline" mesh-wide)',
  );
  return plan;
}
