/**
 * Least-privilege Istio AuthorizationPolicies from the call graph: one ALLOW policy per destination
 * workload, in its namespace, selecting its pods, allowing exactly the callers seen (by principal) and,
 * with L7, the methods and route templates each used. Pure: same graph and options, same policies.
 *
 * Istio facts that shape it (istio.io/latest/docs/reference/config/security/authorization-policy/):
 * - The first ALLOW policy selecting a workload makes it default-deny: whatever no rule allows is refused
 *   with 403 (HTTP) or a reset (TCP). That is the point here, and why each policy selects one workload
 *   (never a namespace-wide or mesh-wide ALLOW) and why a destination is skipped rather than written with
 *   no caller at all (an ALLOW without matching rules denies everything).
 * - Principals are `<trust-domain>/ns/<ns>/sa/<sa>`; Istio adds `spiffe://` itself. They exist only with
 *   mTLS, so a caller known only by address cannot be allowed by identity: it is listed, left out, warned.
 * - HTTP fields (`to.operation`) in an ALLOW rule never match TCP traffic, so a caller seen over TCP gets
 *   an L4 rule (no `to`) even with L7 on.
 * - `istio.io/dry-run: "true"` makes Istio evaluate and log the policy without enforcing it.
 * - Kubelet probes: with Istio's probe rewrite (the default since 1.10, `sidecar.istio.io/rewriteAppHTTPProbers`)
 *   HTTP/gRPC/TCP probes go to the sidecar agent's port 15020, which is not captured for inbound policy,
 *   and Prometheus scrapes merged metrics there too; neither needs a rule. Without the rewrite the kubelet
 *   calls the app port in plaintext from the node and shows up as an address-only caller: left out.
 */
import type { CallerEdge, DestinationNode } from '../../features/call-graph.js';
import {
  DRY_RUN_ANNOTATION,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  REASON_ANNOTATION,
  UNDO_ANNOTATION,
  hash8,
  toPolicyPrincipal,
} from '../quarantine/policy.js';
import {
  DEFAULT_OPERATION_OPTIONS,
  allRoutesWritable,
  operationsFor,
  type Operation,
  type OperationOptions,
} from './operations.js';
import { selectorOf } from './selector.js';

export const POLICY_KIND_LABEL = 'meshguard.io/policy-kind';
export const LEAST_PRIVILEGE = 'least-privilege';
export const WORKLOAD_LABEL = 'meshguard.io/workload';
export const LEARNED_FROM_ANNOTATION = 'meshguard.io/learned-from';
export const LEARNED_UNTIL_ANNOTATION = 'meshguard.io/learned-until';
export const ASSUMPTIONS_ANNOTATION = 'meshguard.io/assumptions';

/** Namespaces never tightened: the control plane, Kubernetes' own, and meshguard's. */
export const BUILT_IN_PROTECTED = ['kube-system', 'istio-system', 'meshguard'];

const ISTIO_PRINCIPAL = /^[A-Za-z0-9.\-_]+\/ns\/[a-z0-9.\-]+\/sa\/[A-Za-z0-9.\-_]+$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface AllowRule {
  from: Array<{ source: { principals: string[] } }>;
  to?: Array<{ operation: Operation }>;
}

/** A `security.istio.io/v1` AuthorizationPolicy as least privilege writes it (ALLOW, one workload). */
export interface AllowPolicyManifest {
  apiVersion: 'security.istio.io/v1';
  kind: 'AuthorizationPolicy';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: {
    action: 'ALLOW';
    selector: { matchLabels: Record<string, string> };
    /** Absent on an allow-nothing policy (a workload nobody called while learning). */
    rules?: AllowRule[];
  };
}

export interface TightenOptions {
  l7: boolean;
  /** false = enforce (no dry-run annotation). */
  dryRun: boolean;
  /** Added to BUILT_IN_PROTECTED. */
  protectedNamespaces: readonly string[];
  /** Write "allow nothing" for workloads seen only calling, never called (default true). */
  idle?: boolean;
  operations?: OperationOptions;
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

export interface TightenPlan {
  policies: AllowPolicyManifest[];
  skipped: SkippedDestination[];
  leftOut: LeftOutCaller[];
  /** Caller edges the policies allow. */
  allowedEdges: number;
}

/** `meshguard-allow-<workload>`, a DNS-1123 label of at most 63 characters (hashed when it must be cut). */
export function allowPolicyName(workload: string): string {
  const clean = workload
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const name = `meshguard-allow-${clean}`;
  if (clean !== '' && name.length <= 63 && clean === workload) return name;
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash8(workload)}`;
}

/** The principal a policy can match for a caller, or why it cannot have one. */
function policyPrincipal(edge: CallerEdge): { principal: string } | { reason: string } {
  if (edge.principal === '')
    return {
      reason:
        'no mTLS identity in the logs (plaintext, or a log format without peer certificates): only its address ' +
        `${edge.address || edge.key} is known, and an address is no identity`,
    };
  const p = toPolicyPrincipal(edge.principal);
  if (!ISTIO_PRINCIPAL.test(p)) return { reason: `identity ${edge.principal} is not an Istio principal` };
  return { principal: p };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** Build the plan for every destination of the graph. */
export function buildAllowPolicies(
  destinations: readonly DestinationNode[],
  opts: TightenOptions,
): TightenPlan {
  const protectedNs = new Set([...BUILT_IN_PROTECTED, ...opts.protectedNamespaces]);
  const plan: TightenPlan = { policies: [], skipped: [], leftOut: [], allowedEdges: 0 };
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
      else plan.policies.push(policyFor(dst, selector, [], opts));
      continue;
    }
    const allowed: Array<{ principal: string; edge: CallerEdge }> = [];
    for (const edge of [...dst.callers.values()].sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const p = policyPrincipal(edge);
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
    plan.policies.push(policyFor(dst, selector, allowed, opts));
  }
  return plan;
}

function rulesFor(
  allowed: Array<{ principal: string; edge: CallerEdge }>,
  opts: TightenOptions,
): AllowRule[] {
  // Callers with the same operations share one rule; a caller seen over TCP, or with a route Istio cannot
  // express, gets an L4 rule (HTTP fields never match TCP in an ALLOW).
  const groups = new Map<string, { principals: Set<string>; to?: Operation[] }>();
  for (const { principal, edge } of allowed) {
    let to: Operation[] | undefined;
    if (opts.l7 && !edge.tcp && edge.routesDropped === 0) {
      const routesOk = [...edge.routes.values()].every((r) => allRoutesWritable(r));
      const ops = operationsFor(edge.routes, opts.operations ?? DEFAULT_OPERATION_OPTIONS);
      if (routesOk && ops.length > 0) to = ops;
    }
    const signature = to === undefined ? 'l4' : JSON.stringify(to);
    let g = groups.get(signature);
    if (g === undefined) {
      g = { principals: new Set(), ...(to ? { to } : {}) };
      groups.set(signature, g);
    }
    g.principals.add(principal);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({
      from: [{ source: { principals: [...g.principals].sort() } }],
      ...(g.to ? { to: g.to.map((operation) => ({ operation })) } : {}),
    }));
}

function policyFor(
  dst: DestinationNode,
  selector: Record<string, string>,
  allowed: Array<{ principal: string; edge: CallerEdge }>,
  opts: TightenOptions,
): AllowPolicyManifest {
  const name = allowPolicyName(dst.workload);
  const callers = allowed.length;
  const reason =
    callers === 0
      ? `least privilege for ${dst.key}: it was seen only calling others, never called, so nothing may call it`
      : `least privilege for ${dst.key}: allows the ${callers} caller${callers === 1 ? '' : 's'} seen in ` +
        `${dst.requests} requests${opts.l7 ? ', with the methods and paths each used' : ''}; every other caller is denied`;
  const annotations: Record<string, string> = {
    [REASON_ANNOTATION]: reason,
    [LEARNED_FROM_ANNOTATION]: iso(dst.firstSeenMs),
    [LEARNED_UNTIL_ANNOTATION]: iso(dst.lastSeenMs),
    [ASSUMPTIONS_ANNOTATION]:
      'kubelet probes are rewritten to the sidecar (port 15020) and metrics are scraped there; callers known only by address are not allowed',
    [UNDO_ANNOTATION]: `kubectl delete authorizationpolicy -n ${dst.namespace} ${name}`,
  };
  if (opts.dryRun) annotations[DRY_RUN_ANNOTATION] = 'true';
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: {
      name,
      namespace: dst.namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [POLICY_KIND_LABEL]: LEAST_PRIVILEGE,
        [WORKLOAD_LABEL]: name.slice('meshguard-allow-'.length),
      },
      annotations,
    },
    spec: {
      action: 'ALLOW',
      selector: { matchLabels: selector },
      ...(callers > 0 ? { rules: rulesFor(allowed, opts) } : {}),
    },
  };
}
