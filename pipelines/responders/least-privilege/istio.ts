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
  type ObjectMeta,
} from '../quarantine/policy.js';
import {
  DEFAULT_OPERATION_OPTIONS,
  allRoutesWritable,
  operationsFor,
  type Operation,
  type OperationOptions,
} from './operations.js';
import { planTargets, type LeftOutCaller, type SkippedDestination, type TargetOptions } from './targets.js';

export type { LeftOutCaller, SkippedDestination } from './targets.js';

export const POLICY_KIND_LABEL = 'meshguard.io/policy-kind';
export const LEAST_PRIVILEGE = 'least-privilege';
export const WORKLOAD_LABEL = 'meshguard.io/workload';
export const LEARNED_FROM_ANNOTATION = 'meshguard.io/learned-from';
export const LEARNED_UNTIL_ANNOTATION = 'meshguard.io/learned-until';
export const ASSUMPTIONS_ANNOTATION = 'meshguard.io/assumptions';

export interface AllowRule {
  from: Array<{ source: { principals: string[] } }>;
  to?: Array<{ operation: Operation }>;
}

/** A `security.istio.io/v1` AuthorizationPolicy as least privilege writes it (ALLOW, one workload). */
export interface AllowPolicyManifest {
  apiVersion: 'security.istio.io/v1';
  kind: 'AuthorizationPolicy';
  metadata: ObjectMeta;
  spec: {
    action: 'ALLOW';
    selector: { matchLabels: Record<string, string> };
    /** Absent on an allow-nothing policy (a workload nobody called while learning). */
    rules?: AllowRule[];
  };
}

export interface TightenOptions extends TargetOptions {
  l7: boolean;
  /** false = enforce (no dry-run annotation). */
  dryRun: boolean;
  operations?: OperationOptions;
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

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** Build the plan for every destination of the graph. */
export function buildAllowPolicies(
  destinations: readonly DestinationNode[],
  opts: TightenOptions,
): TightenPlan {
  const { targets, skipped, leftOut, allowedEdges } = planTargets(destinations, opts);
  const policies = targets.map((t) => policyFor(t.dst, t.selector, t.allowed, opts));
  return { policies, skipped, leftOut, allowedEdges };
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
