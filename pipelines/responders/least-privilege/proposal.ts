/**
 * One least-privilege proposal as the verifier handles it, whatever the mesh: the objects of one
 * destination workload, how they look in verification and once enforced, how to undo each step, and
 * (Consul) how a call is judged in-process.
 *
 * - Istio: one ALLOW AuthorizationPolicy; verification is `istio.io/dry-run: "true"`, enforcement drops it.
 * - Linkerd: the workload's MeshTLSAuthentication, Servers and AuthorizationPolicies; verification is the
 *   Servers' `accessPolicy: audit` (Linkerd 2.16+: allowed, flagged in the proxy metrics with
 *   `authz_name="audit"`), enforcement `accessPolicy: deny`. The authorizations go in before the Servers
 *   turn to deny, and the Servers come out first on release, so no window denies legitimate callers.
 * - Consul: intentions have no dry-run. Nothing is written during verification: meshguard evaluates the
 *   proposed intentions in-process against the inbound calls it sees (a caller service not among the
 *   allowed sources would be denied by the `*` deny) and writes the ServiceIntentions only on promotion.
 */
import type { MeshEvent } from '../../core/event.js';
import type { MeshResource, ResourceRef } from '../quarantine/mesh/resource.js';
import { refOf } from '../quarantine/mesh/resource.js';
import { DRY_RUN_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL } from '../quarantine/policy.js';
import { WORKLOAD_LABEL, type AllowPolicyManifest } from './istio.js';
import type { MeshObjectGroup } from './other-meshes.js';
import { allowInvariantErrors } from './validate.js';

export const VERIFIED_MESHES = ['istio', 'linkerd', 'consul'] as const;
export type VerifiedMesh = (typeof VERIFIED_MESHES)[number];

/** The proposal-level dry-run marker on Linkerd and Consul objects (Istio's is DRY_RUN_ANNOTATION). */
export const PROPOSAL_ANNOTATION = 'meshguard.io/dry-run';

export interface Proposal {
  mesh: VerifiedMesh;
  namespace: string;
  /** The Istio policy's name; for Linkerd and Consul the group's (`meshguard-allow-<workload>`). */
  name: string;
  workload: string;
  /** The destination's pod labels, as its policies select them. */
  selector: Record<string, string>;
  /** In apply order, as enforced (dryRunObjects derives the verification form). */
  objects: MeshResource[];
  /** Consul: the source services the intentions allow (everything else hits the `*` deny). */
  allowedSources?: string[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function istioProposal(policy: AllowPolicyManifest): Proposal {
  const { name, namespace, labels } = policy.metadata;
  const enforced = structuredClone(policy) as AllowPolicyManifest;
  delete enforced.metadata.annotations[DRY_RUN_ANNOTATION];
  return {
    mesh: 'istio',
    namespace,
    name,
    workload: labels[WORKLOAD_LABEL] ?? '',
    selector: { ...policy.spec.selector.matchLabels },
    objects: [enforced as unknown as MeshResource],
  };
}

/** A Linkerd or Consul group of other-meshes.ts as a proposal (objects in their enforced form). */
export function groupProposal(mesh: 'linkerd' | 'consul', g: MeshObjectGroup): Proposal {
  const objects = g.objects.map((o) => {
    const c = structuredClone(o) as MeshResource & { metadata: { annotations?: Record<string, string> } };
    if (c.metadata.annotations) delete c.metadata.annotations[PROPOSAL_ANNOTATION];
    if (c.kind === 'Server') (c.spec as { accessPolicy?: string }).accessPolicy = 'deny';
    return c;
  });
  return {
    mesh,
    namespace: g.namespace,
    name: g.name,
    workload: g.workload,
    selector: { ...g.selector },
    objects,
    ...(g.allowedSources ? { allowedSources: [...g.allowedSources] } : {}),
  };
}

const isServer = (o: MeshResource): boolean => o.kind === 'Server';

/** What is applied while the proposal is verified (Consul: nothing, it has no dry-run). */
export function dryRunObjects(p: Proposal): MeshResource[] {
  if (p.mesh === 'consul') return [];
  return p.objects.map((o) => {
    const c = structuredClone(o);
    const annotations = { ...c.metadata.annotations };
    if (p.mesh === 'istio') annotations[DRY_RUN_ANNOTATION] = 'true';
    else annotations[PROPOSAL_ANNOTATION] = 'true';
    c.metadata.annotations = annotations;
    if (isServer(c)) (c.spec as { accessPolicy?: string }).accessPolicy = 'audit';
    return c;
  });
}

/** What promotion applies: the authorizations before the Servers that turn to deny. */
export function enforcedObjects(p: Proposal): MeshResource[] {
  return [...p.objects.filter((o) => !isServer(o)), ...p.objects.filter(isServer)];
}

/** What release deletes: Servers first (back to the cluster's default policy), then their authorizations. */
export function releaseRefs(p: Proposal): ResourceRef[] {
  return [...p.objects.filter(isServer), ...p.objects.filter((o) => !isServer(o))].map(refOf);
}

/** How a person takes the promotion back (to verification). */
export function demoteUndo(p: Proposal): string {
  const ns = p.namespace;
  if (p.mesh === 'istio')
    return `kubectl annotate authorizationpolicy -n ${ns} ${p.name} ${DRY_RUN_ANNOTATION}=true --overwrite`;
  if (p.mesh === 'linkerd')
    return p.objects
      .filter(isServer)
      .map(
        (s) =>
          `kubectl patch server.policy.linkerd.io -n ${ns} ${s.metadata.name} --type=merge -p '{"spec":{"accessPolicy":"audit"}}'`,
      )
      .join(' && ');
  return `${releaseUndo(p)} (Consul has no dry-run: removing the intentions is the way back)`;
}

/** How a person removes the proposal's objects by hand. */
export function releaseUndo(p: Proposal): string {
  if (p.mesh === 'consul')
    return p.objects
      .map((o) => `consul config delete -kind service-intentions -name ${destinationOf(o)}`)
      .join(' && ');
  return releaseRefs(p)
    .map(
      (r) => `kubectl delete ${r.kind.toLowerCase()}.${groupName(r.apiVersion)} -n ${r.namespace} ${r.name}`,
    )
    .join(' && ');
}

const groupName = (apiVersion: string): string => apiVersion.split('/')[0] ?? apiVersion;
const destinationOf = (o: MeshResource): string =>
  (o.spec as { destination?: { name?: string } }).destination?.name ?? o.metadata.name;

/** Whether the proposal is about the pod with these labels (its namespace checked by the caller). */
export function selectsPod(p: Proposal, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(p.selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** The Consul service of a caller: its SPIFFE `/svc/<name>`, else its workload, else its service account. */
export function consulServiceOfCaller(ev: MeshEvent): string {
  return /\/svc\/([^/]+)$/.exec(ev.srcPrincipal)?.[1] ?? (ev.srcWorkload || ev.srcServiceAccount);
}

/**
 * Consul, evaluated in-process: the proposed intentions would deny this inbound call when its caller's
 * service is not an allowed source. undefined when it cannot be judged (a caller with no service identity,
 * which Consul's mTLS would not have let connect in the first place; not counted).
 */
export function consulWouldDeny(p: Proposal, ev: MeshEvent): boolean | undefined {
  const caller = consulServiceOfCaller(ev);
  if (!caller) return undefined;
  return !(p.allowedSources ?? []).includes(caller);
}

/** meshguard's own rules for a proposal before anything is written (empty = valid). */
export function proposalErrors(p: Proposal): string[] {
  const errors: string[] = [];
  if (!DNS1123_LABEL.test(p.namespace)) errors.push(`namespace "${p.namespace}" is not a DNS-1123 label`);
  if (Object.keys(p.selector).length === 0) errors.push('the proposal selects no pods');
  if (p.objects.length === 0) errors.push('the proposal has no object');
  for (const o of p.objects) {
    const where = `${o.kind} ${o.metadata.name}`;
    if (o.metadata.namespace !== p.namespace) errors.push(`${where}: not in namespace ${p.namespace}`);
    if (!DNS1123_LABEL.test(o.metadata.name) || o.metadata.name.length > 63)
      errors.push(`${where}: name is not a DNS-1123 label`);
    if (o.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY)
      errors.push(`${where}: metadata.labels.${MANAGED_BY_LABEL} must be ${MANAGED_BY}`);
  }
  if (p.mesh === 'istio') {
    for (const o of p.objects) errors.push(...allowInvariantErrors(o as unknown as AllowPolicyManifest));
  } else if (p.mesh === 'linkerd') errors.push(...linkerdErrors(p));
  else errors.push(...consulErrors(p));
  return errors;
}

const LINKERD_KINDS = new Set(['Server', 'AuthorizationPolicy', 'MeshTLSAuthentication']);

function linkerdErrors(p: Proposal): string[] {
  const errors: string[] = [];
  if (!p.objects.some(isServer))
    errors.push('a Linkerd proposal needs a Server (nothing is enforced without one)');
  const named = (kind: string, name: string | undefined): boolean =>
    p.objects.some((x) => x.kind === kind && x.metadata.name === name);
  for (const o of p.objects) {
    const spec = o.spec as Record<string, unknown>;
    if (!LINKERD_KINDS.has(o.kind))
      errors.push(`${o.kind} ${o.metadata.name}: not a kind least privilege writes`);
    if (o.kind === 'AuthorizationPolicy') {
      // Only the proposal's own Servers and callers: nothing else is authorized.
      const target = spec.targetRef as { kind?: string; name?: string } | undefined;
      const refs =
        (spec.requiredAuthenticationRefs as Array<{ kind?: string; name?: string }> | undefined) ?? [];
      if (target?.kind !== 'Server' || !named('Server', target.name))
        errors.push(`AuthorizationPolicy ${o.metadata.name}: must target a Server of the proposal`);
      if (refs.length === 0 || refs.some((r) => r.kind !== 'MeshTLSAuthentication' || !named(r.kind, r.name)))
        errors.push(
          `AuthorizationPolicy ${o.metadata.name}: must require the proposal's MeshTLSAuthentication`,
        );
    }
    if (!o.apiVersion.startsWith('policy.linkerd.io/'))
      errors.push(`${o.kind} ${o.metadata.name}: apiVersion ${o.apiVersion} is not Linkerd's policy API`);
    if (isServer(o)) {
      const sel =
        (spec.podSelector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {};
      // A Server without pod labels would select every pod of the namespace.
      if (Object.keys(sel).length === 0)
        errors.push(`Server ${o.metadata.name}: podSelector.matchLabels is empty`);
    }
    if (o.kind === 'MeshTLSAuthentication') {
      const refs = (spec.identityRefs as Array<{ name?: string }> | undefined) ?? [];
      const ids = (spec.identities as string[] | undefined) ?? [];
      if (refs.length + ids.length === 0)
        errors.push(`MeshTLSAuthentication ${o.metadata.name}: authorizes nobody`);
      if (refs.some((r) => !r.name || r.name.includes('*')) || ids.some((i) => i.includes('*')))
        errors.push(`MeshTLSAuthentication ${o.metadata.name}: no wildcard identity`);
    }
  }
  return errors;
}

function consulErrors(p: Proposal): string[] {
  const errors: string[] = [];
  for (const o of p.objects) {
    const sources = (o.spec as { sources?: Array<{ name?: string; action?: string }> }).sources ?? [];
    const last = sources[sources.length - 1];
    if (o.kind !== 'ServiceIntentions')
      errors.push(`${o.kind}: a Consul proposal holds ServiceIntentions only`);
    if (!last || last.name !== '*' || last.action !== 'deny')
      errors.push(`ServiceIntentions ${o.metadata.name}: must end with the * deny (least privilege)`);
    for (const s of sources.slice(0, -1))
      if (s.name === '*' || s.action !== 'allow')
        errors.push(`ServiceIntentions ${o.metadata.name}: source ${s.name ?? '?'} must be a named allow`);
  }
  return errors;
}
