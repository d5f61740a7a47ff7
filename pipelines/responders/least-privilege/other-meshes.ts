/**
 * Least-privilege objects for Linkerd and Consul, from the same targets as Istio's (targets.ts).
 *
 * Linkerd (policy.linkerd.io): a `Server` per learned port of the workload (pods by the same selector),
 * an `AuthorizationPolicy` targeting it, requiring a `MeshTLSAuthentication` that lists the callers by
 * ServiceAccount. Once a Server selects a port, traffic no policy authorizes is refused. Dry-run is the
 * Server's `accessPolicy: audit` (Linkerd 2.16+): every request is allowed and the ones no policy would
 * allow are flagged in the proxy's logs and metrics; enforcement is `accessPolicy: deny`. Kubelet probes
 * stay allowed: Linkerd authorizes probe routes by default on a Server without HTTPRoutes.
 *
 * Consul: one `ServiceIntentions` per destination service, allowing each learned source and denying `*`.
 * Consul has no dry-run: the objects carry `meshguard.io/dry-run: "true"` so a GitOps reviewer sees they
 * are proposals, but applying them enforces. Consul names services, not service accounts: a caller's
 * service is its workload name, else its service account (the usual Consul-on-Kubernetes convention).
 */
import type { DestinationNode } from '../../features/call-graph.js';
import { MANAGED_BY, MANAGED_BY_LABEL, REASON_ANNOTATION, type ObjectMeta } from '../quarantine/policy.js';
import { allowPolicyName, LEAST_PRIVILEGE, POLICY_KIND_LABEL, WORKLOAD_LABEL } from './istio.js';
import { planTargets, type Target, type TargetOptions, type TargetPlan } from './targets.js';

export interface MeshObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Record<string, unknown>;
}

/** The objects of one destination workload: what the service-mode verifier proposes as one unit. */
export interface MeshObjectGroup {
  namespace: string;
  /** `meshguard-allow-<workload>`. */
  name: string;
  workload: string;
  selector: Record<string, string>;
  objects: MeshObject[];
  /** Consul: the source services allowed (every other one is denied by the `*` source). */
  allowedSources?: string[];
}

export interface MeshObjectsPlan extends Omit<TargetPlan, 'targets'> {
  objects: MeshObject[];
  /** `objects`, per destination workload. */
  groups: MeshObjectGroup[];
  /** What a person must know before applying (one sentence each). */
  notes: string[];
}

export interface OtherMeshOptions extends TargetOptions {
  dryRun: boolean;
}

/** Ports the workload was called on, from Istio's inbound cluster names; empty when unknown. */
export function portsOf(dst: DestinationNode): number[] {
  return [...dst.ports].sort((a, b) => a - b);
}

const ALLOW_PREFIX = 'meshguard-allow-';

function meta(t: Target, name: string, dryRun: boolean, reason: string): MeshObject['metadata'] {
  return {
    name,
    namespace: t.dst.namespace,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [POLICY_KIND_LABEL]: LEAST_PRIVILEGE,
      // As Istio's policies carry it (a label value: the cleaned workload name of allowPolicyName).
      [WORKLOAD_LABEL]: allowPolicyName(t.dst.workload).slice(ALLOW_PREFIX.length),
    },
    annotations: { [REASON_ANNOTATION]: reason, ...(dryRun ? { 'meshguard.io/dry-run': 'true' } : {}) },
  };
}

function principalParts(principal: string): { namespace: string; serviceAccount: string } {
  const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  return { namespace: m?.[1] ?? '', serviceAccount: m?.[2] ?? '' };
}

export function buildLinkerdObjects(
  destinations: readonly DestinationNode[],
  opts: OtherMeshOptions,
): MeshObjectsPlan {
  const { targets, ...rest } = planTargets(destinations, { ...opts, identities: 'linkerd' });
  const plan: MeshObjectsPlan = { ...rest, objects: [], groups: [], notes: [] };
  for (const t of targets) {
    const base = allowPolicyName(t.dst.workload);
    const ports = portsOf(t.dst);
    const first = plan.objects.length;
    if (ports.length === 0) {
      plan.notes.push(`${t.dst.key}: no inbound port in the records, so no Server can be written`);
      continue;
    }
    const reason = `least privilege for ${t.dst.key}: allows the ${t.allowed.length} caller(s) seen`;
    const authn = `${base}-callers`;
    if (t.allowed.length > 0)
      plan.objects.push({
        apiVersion: 'policy.linkerd.io/v1alpha1',
        kind: 'MeshTLSAuthentication',
        metadata: meta(t, authn, opts.dryRun, reason),
        spec: {
          identityRefs: t.allowed.map((a) => {
            const p = principalParts(a.principal);
            return { kind: 'ServiceAccount', name: p.serviceAccount, namespace: p.namespace };
          }),
        },
      });
    for (const port of ports) {
      const server = `${base}-${port}`.slice(0, 63).replace(/-+$/, '');
      plan.objects.push({
        apiVersion: 'policy.linkerd.io/v1beta3',
        kind: 'Server',
        metadata: meta(t, server, opts.dryRun, reason),
        spec: {
          podSelector: { matchLabels: t.selector },
          port,
          accessPolicy: opts.dryRun ? 'audit' : 'deny',
        },
      });
      // No AuthorizationPolicy for a workload nobody calls: the Server alone denies (or audits) everything.
      if (t.allowed.length > 0)
        plan.objects.push({
          apiVersion: 'policy.linkerd.io/v1alpha1',
          kind: 'AuthorizationPolicy',
          metadata: meta(t, server, opts.dryRun, reason),
          spec: {
            targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: server },
            requiredAuthenticationRefs: [
              { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: authn },
            ],
          },
        });
    }
    plan.groups.push(groupOf(t, base, plan.objects.slice(first)));
  }
  return plan;
}

function groupOf(t: Target, name: string, objects: MeshObject[], allowedSources?: string[]): MeshObjectGroup {
  return {
    namespace: t.dst.namespace,
    name,
    workload: name.slice(ALLOW_PREFIX.length),
    selector: t.selector,
    objects,
    ...(allowedSources ? { allowedSources } : {}),
  };
}

export function buildConsulIntentions(
  destinations: readonly DestinationNode[],
  opts: OtherMeshOptions,
): MeshObjectsPlan {
  const { targets, ...rest } = planTargets(destinations, { ...opts, identities: 'consul' });
  const plan: MeshObjectsPlan = { ...rest, objects: [], groups: [], notes: [] };
  if (opts.dryRun && targets.length > 0)
    plan.notes.push('Consul has no dry-run: applying these intentions enforces them');
  for (const t of targets) {
    const sources = [
      ...new Map(
        t.allowed.map((a) => {
          const name = consulSourceName(a);
          return [name, { name, action: 'allow' }];
        }),
      ).values(),
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    const intentions: MeshObject = {
      apiVersion: 'consul.hashicorp.com/v1alpha1',
      kind: 'ServiceIntentions',
      // Named after the destination, as consul-k8s expects one ServiceIntentions per destination (and the
      // quarantine's Consul writer merges into the same object).
      metadata: meta(t, t.dst.workload, opts.dryRun, `least privilege for ${t.dst.key}`),
      spec: {
        // Consul OSS has no namespaces (Enterprise would add `namespace` on each side).
        destination: { name: t.dst.workload },
        // Evaluated most specific first: the named sources before the wildcard deny.
        sources: [...sources, { name: '*', action: 'deny' }],
      },
    };
    plan.objects.push(intentions);
    const name = allowPolicyName(t.dst.workload);
    plan.groups.push(
      groupOf(
        t,
        name,
        [intentions],
        sources.map((x) => x.name),
      ),
    );
  }
  return plan;
}

/** A caller as a Consul source service: Consul's SPIFFE `/svc/<name>`, else its workload, else its service account. */
function consulSourceName(a: { principal: string; edge: { workload: string } }): string {
  return (
    /\/svc\/([^/]+)$/.exec(a.principal)?.[1] ??
    (a.edge.workload || principalParts(a.principal).serviceAccount)
  );
}
