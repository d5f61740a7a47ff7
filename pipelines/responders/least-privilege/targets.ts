/**
 * Which destinations get a least-privilege policy and which callers it allows, whatever the mesh: the
 * decisions shared by the Istio, Linkerd and Consul writers (protected namespaces, a selector from pod
 * labels, callers by identity only, allow-nothing for workloads nobody calls).
 */
import type { CallerEdge, DestinationNode } from '../../features/call-graph.js';
import { CONSUL_PRINCIPAL, fromLinkerdIdentity, toPolicyPrincipal } from '../quarantine/policy.js';
import { selectorOf } from './selector.js';

/** Namespaces never tightened: the control plane, Kubernetes' own, and meshguard's. */
export const BUILT_IN_PROTECTED = ['kube-system', 'istio-system', 'meshguard'];

const ISTIO_PRINCIPAL = /^[A-Za-z0-9.\-_]+\/ns\/[a-z0-9.\-]+\/sa\/[A-Za-z0-9.\-_]+$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface TargetOptions {
  /** Added to BUILT_IN_PROTECTED. */
  protectedNamespaces: readonly string[];
  /**
   * Which identities can be allowed: Istio principals (default); with `linkerd` also Linkerd's proxy
   * identities (as `<td>/ns/<ns>/sa/<sa>`); with `consul` also Consul's service identities.
   */
  identities?: 'istio' | 'linkerd' | 'consul';
  /** Write "allow nothing" for workloads seen only calling, never called (default true). */
  idle?: boolean;
}

export type SkipReason = 'protected_namespace' | 'no_pod_labels' | 'no_identified_callers' | 'idle';

export interface SkippedDestination {
  destination: string;
  reason: SkipReason;
  detail: string;
}

export interface LeftOutCaller {
  destination: string;
  caller: string;
  requests: number;
  reason: string;
}

export interface AllowedCaller {
  /** `<trust-domain>/ns/<ns>/sa/<sa>`. */
  principal: string;
  edge: CallerEdge;
}

export interface Target {
  dst: DestinationNode;
  selector: Record<string, string>;
  /** Empty = allow nothing. */
  allowed: AllowedCaller[];
}

export interface TargetPlan {
  targets: Target[];
  skipped: SkippedDestination[];
  leftOut: LeftOutCaller[];
  allowedEdges: number;
}

/** The principal a policy can match for a caller, or why it cannot have one. */
function policyPrincipal(
  edge: CallerEdge,
  identities: TargetOptions['identities'],
): { principal: string } | { reason: string } {
  if (edge.principal === '')
    return {
      reason:
        'no mTLS identity in the logs (plaintext, or a log format without peer certificates): only its address ' +
        `${edge.address || edge.key} is known, and an address is no identity`,
    };
  const p = toPolicyPrincipal(
    identities === 'linkerd' ? fromLinkerdIdentity(edge.principal) : edge.principal,
  );
  if (identities === 'consul' && CONSUL_PRINCIPAL.test(p)) return { principal: p };
  if (!ISTIO_PRINCIPAL.test(p)) return { reason: `identity ${edge.principal} is not an Istio principal` };
  return { principal: p };
}

export function planTargets(destinations: readonly DestinationNode[], opts: TargetOptions): TargetPlan {
  const protectedNs = new Set([...BUILT_IN_PROTECTED, ...opts.protectedNamespaces]);
  const plan: TargetPlan = { targets: [], skipped: [], leftOut: [], allowedEdges: 0 };
  for (const dst of destinations) {
    if (protectedNs.has(dst.namespace)) {
      plan.skipped.push({
        destination: dst.key,
        reason: 'protected_namespace',
        detail: `namespace ${dst.namespace} is protected: meshguard never restricts who may call it`,
      });
      continue;
    }
    const selector = selectorOf(dst.labels);
    if (selector === undefined || !DNS1123_LABEL.test(dst.namespace)) {
      plan.skipped.push({
        destination: dst.key,
        reason: 'no_pod_labels',
        detail:
          'no pod labels in the records (the shipper added no Kubernetes metadata): a policy without a ' +
          'selector would apply to the whole namespace, so none is written',
      });
      continue;
    }
    if (dst.callers.size === 0) {
      // Seen only as a caller: nobody needs to reach it. Least privilege is to allow nothing.
      if (opts.idle === false)
        plan.skipped.push({ destination: dst.key, reason: 'idle', detail: 'never called while learning' });
      else plan.targets.push({ dst, selector, allowed: [] });
      continue;
    }
    const allowed: Array<{ principal: string; edge: CallerEdge }> = [];
    for (const edge of [...dst.callers.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const p = policyPrincipal(edge, opts.identities);
      if ('reason' in p)
        plan.leftOut.push({
          destination: dst.key,
          caller: edge.key,
          requests: edge.requests,
          reason: p.reason,
        });
      else allowed.push({ principal: p.principal, edge });
    }
    if (allowed.length === 0) {
      plan.skipped.push({
        destination: dst.key,
        reason: 'no_identified_callers',
        detail: 'no caller with an mTLS identity: an ALLOW policy would deny every call to it',
      });
      continue;
    }
    plan.allowedEdges += allowed.length;
    plan.targets.push({ dst, selector, allowed });
  }
  return plan;
}
