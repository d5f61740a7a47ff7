/**
 * Consul service mesh: a deny intention for the offender on each destination it must not reach, merged
 * into that destination's service-intentions config entry (merge.ts: other sources are never touched;
 * a source the offender already had is set aside and restored on release). Written as a ServiceIntentions
 * custom resource (consul-k8s; gitops and kubernetes sinks) or through the HTTP API with check-and-set
 * (sink consul). Consul facts that shape it:
 * - An exact source beats a wildcard (`*`) source for the same destination, so the deny wins over an
 *   `* → dest allow`. An exact destination beats the `*` destination: with no destination named, the
 *   deny goes on `*` and any exact-destination allow for the offender still wins there.
 * - Intentions are checked when a connection starts: an L4 deny does not cut connections already open.
 * - Egress to services outside the mesh goes through a terminating gateway: denying it needs an
 *   intention on the linked external service.
 * - Intentions have no dry-run: in dry-run the ServiceIntentions are written as suggestions only.
 */
import { CONSUL_SOURCE_MARK } from './merge.js';
import { appliedOrSuggested, expiresAtOf, ownedMeta, quarantineId, reasonOf } from './common.js';
import { MAX_DESTINATIONS, targetsOf } from './targets.js';
import type { MeshResource } from './resource.js';
import type { ContainmentScope, MeshPlan, MeshPolicyWriter, WriterInput } from './writer.js';

const API = 'consul.hashicorp.com/v1alpha1';
/** The ServiceIntentions name for the `*` destination (a Kubernetes name cannot be `*`). */
export const WILDCARD_NAME = 'wildcard';

export const OPEN_CONNECTIONS =
  'Consul checks intentions when a connection starts: this L4 deny does not cut connections already open (restart the offender to drop them)';
export const TERMINATING_GATEWAY =
  "egress to a service outside the mesh goes through a terminating gateway: it is denied only by an intention on the gateway's linked external service";
export const NO_DRY_RUN =
  'Consul intentions have no dry-run: in dry-run meshguard writes the ServiceIntentions as suggestions only, nothing is applied';

/** On a containment's ServiceIntentions that keeps a learned destination: its source is an allow. */
export const CONTAINMENT_KEEP_LABEL = 'meshguard.io/containment-keep';

/**
 * Contain to baseline in Consul: an exact `offender → d` allow for each destination it keeps (precedence
 * 9: it holds over the offender's `*` deny and over any `* → d` deny), an exact deny for each other known
 * destination (9: it holds over a `* → d` allow, which at 8 would beat a `*`-destination deny), and
 * `offender → *` deny (6) for the services the call graph never saw. Where someone denied the offender a
 * kept destination on purpose, that deny stays (no allow is written over it).
 */
async function planContainment(input: WriterInput, scope: ContainmentScope): Promise<MeshPlan> {
  const id = quarantineId(input);
  const expiresAt = expiresAtOf(input);
  const service = consulServiceOf(input);
  const ns = input.cfg.consul.namespace;
  const notEnforced: string[] = [OPEN_CONNECTIONS];
  const dryRun = input.applyMode === 'dry-run';
  if (dryRun) notEnforced.push(NO_DRY_RUN);
  const byName = new Map<string, { namespace: string; action: 'allow' | 'deny' }>();
  for (const d of scope.protect) byName.set(d.name, { namespace: d.namespace, action: 'deny' });
  for (const d of scope.keep) {
    const existing = await input.reader.read({
      apiVersion: API,
      kind: 'ServiceIntentions',
      name: intentionsName(d.name),
      namespace: d.namespace,
    });
    const sources =
      (existing?.resource.spec as { sources?: Array<{ name?: string; action?: string }> })?.sources ?? [];
    if (sources.some((s) => s.name === service && s.action === 'deny')) {
      notEnforced.push(
        `${d.name}: the offender is already denied there by an intention meshguard did not write; kept denied`,
      );
      continue;
    }
    byName.set(d.name, { namespace: d.namespace, action: 'allow' });
  }
  byName.set('*', { namespace: input.offender.namespace ?? 'default', action: 'deny' });
  if (!service) {
    notEnforced.push(
      'the offender has no service identity: Consul intentions match services only; nothing was applied',
    );
    byName.clear();
  }
  const keeps = scope.keep.map((d) => d.name).filter((n) => byName.get(n)?.action === 'allow');
  const where = `contained to its baseline: it may still call ${keeps.join(', ') || 'nothing'}; denied at ${[
    ...byName,
  ]
    .filter(([, v]) => v.action === 'deny')
    .map(([n]) => n)
    .join(', ')}`;
  const reason = reasonOf(input, where, expiresAt);
  const build = (undo: string): MeshResource[] =>
    [...byName].map(([dest, { namespace, action }]) => {
      const metadata = ownedMeta({
        input,
        id,
        name: intentionsName(dest),
        namespace,
        reason,
        undo,
        expiresAt,
      });
      if (action === 'allow') metadata.labels = { ...metadata.labels, [CONTAINMENT_KEEP_LABEL]: 'true' };
      return {
        apiVersion: API,
        kind: 'ServiceIntentions',
        metadata,
        spec: {
          destination: ns ? { name: dest, namespace: ns } : { name: dest },
          sources: [
            {
              name: service!,
              ...(ns ? { namespace: ns } : {}),
              action,
              description: `${CONSUL_SOURCE_MARK}${id}: contained to its baseline (${input.incident.kind}, incident ${input.incident.id}) until ${expiresAt}`,
            },
          ],
        },
      };
    });
  return {
    id,
    ...appliedOrSuggested({ id, input, op: 'merge', suggestOnly: dryRun, build }),
    scope: 'mesh-wide',
    notEnforced,
    reason,
    expiresAt,
  };
}

export function intentionsName(destination: string): string {
  return destination === '*' ? WILDCARD_NAME : destination;
}

/** The offender as a Consul service: its SPIFFE service name, else its Kubernetes service account (consul-k8s ties them). */
export function consulServiceOf(input: WriterInput): string | undefined {
  const p = input.offender.principal ?? '';
  return /\/svc\/([a-z0-9-]+)$/.exec(p)?.[1] ?? /\/sa\/([a-z0-9-]+)$/.exec(p)?.[1];
}

export const consulWriter: MeshPolicyWriter = {
  mesh: 'consul',
  kinds: [{ apiVersion: API, kind: 'ServiceIntentions' }],
  async plan(input) {
    if (input.containment) return planContainment(input, input.containment);
    const id = quarantineId(input);
    const expiresAt = expiresAtOf(input);
    const service = consulServiceOf(input);
    const notEnforced: string[] = [OPEN_CONNECTIONS];
    const ns = input.cfg.consul.namespace;
    const { destinations, external } = targetsOf(input.incident.evidence);
    let targets = [...new Set(destinations.map((d) => d.name))].slice(0, MAX_DESTINATIONS);
    let k8sNamespaceOf = (name: string) => destinations.find((d) => d.name === name)?.namespace ?? 'default';
    if (!service) {
      notEnforced.push(
        'the offender has no service identity: Consul intentions match services only; nothing was applied',
      );
      targets = [];
    } else if (targets.length === 0) {
      targets = ['*'];
      k8sNamespaceOf = () => input.offender.namespace ?? 'default';
      notEnforced.push(
        'no destination named in the evidence: the deny is on the * destination, where an exact-destination allow for the offender still wins',
      );
    }
    if (input.incident.kind === 'exfiltration' || external.hosts.length || external.addresses.length)
      notEnforced.push(TERMINATING_GATEWAY);
    const dryRun = input.applyMode === 'dry-run';
    if (dryRun) notEnforced.push(NO_DRY_RUN);

    const where = `deny intention on ${targets.join(', ') || 'no destination'}`;
    const reason = reasonOf(input, where, expiresAt);
    const build = (undo: string): MeshResource[] =>
      targets.map((dest) => ({
        apiVersion: API,
        kind: 'ServiceIntentions',
        metadata: ownedMeta({
          input,
          id,
          name: intentionsName(dest),
          namespace: k8sNamespaceOf(dest),
          reason,
          undo,
          expiresAt,
        }),
        spec: {
          destination: ns ? { name: dest, namespace: ns } : { name: dest },
          sources: [
            {
              name: service!,
              ...(ns ? { namespace: ns } : {}),
              action: 'deny',
              description: `${CONSUL_SOURCE_MARK}${id}: ${input.incident.kind} (incident ${input.incident.id}) until ${expiresAt}`,
            },
          ],
        },
      }));
    return {
      id,
      ...appliedOrSuggested({ id, input, op: 'merge', suggestOnly: dryRun, build }),
      scope: targets.includes('*') ? 'mesh-wide' : 'namespaces',
      notEnforced,
      reason,
      expiresAt,
    };
  },
  invariantErrors(resource) {
    const errors: string[] = [];
    const spec = resource.spec as {
      sources?: Array<{ name?: string; action?: string; permissions?: unknown }>;
    };
    if (resource.apiVersion !== API || resource.kind !== 'ServiceIntentions')
      errors.push(`must be ${API} ServiceIntentions, got ${resource.apiVersion} ${resource.kind}`);
    // Containment keeps the offender's learned destinations with an exact allow (precedence over its * deny).
    const keeps = resource.metadata.labels?.[CONTAINMENT_KEEP_LABEL] === 'true';
    for (const [i, s] of (spec.sources ?? []).entries()) {
      if (s.action !== 'deny' && !(keeps && s.action === 'allow'))
        errors.push(`spec.sources[${i}].action must be deny (meshguard never allows)`);
      if (!s.name || s.name === '*')
        errors.push(`spec.sources[${i}].name must be the offender, never a wildcard`);
      if (s.permissions) errors.push(`spec.sources[${i}]: L7 permissions are not written (L4 deny only)`);
    }
    return errors;
  },
  appliedText(mode) {
    return mode === 'dry-run'
      ? 'suggested only (Consul intentions have no dry-run)'
      : 'applied (new connections from the offender are refused; open ones stay until closed)';
  },
};
