/**
 * The quarantine policy builder: a pure function from an offender (and the incident that names it) to the
 * AuthorizationPolicies that cut it off, plus what could not be enforced.
 *
 * The Istio facts that shape it (istio.io/docs/reference/config/security/authorization-policy/):
 * - Evaluation is CUSTOM, then DENY, then ALLOW. A DENY therefore wins over anyone's ALLOW, and we never
 *   emit an ALLOW: the first ALLOW on a workload turns it default-deny and would cut off everybody else.
 * - Only L4 fields (`source.principals`, `source.ipBlocks`). HTTP-only fields in a DENY that lands on a
 *   TCP port deny the whole port, and in ambient mode an L7 rule without a waypoint makes ztunnel drop
 *   everything. So no `to.operation`, no `when`.
 * - AuthorizationPolicy principals are `<trust-domain>/ns/<ns>/sa/<sa>`, without `spiffe://`.
 * - A policy is enforced by the receiver only: to stop egress we also deny the offender on the egress
 *   gateway, and when there is none we say so and suggest a Kubernetes NetworkPolicy.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Incident, QuarantineApplyMode, WorkloadIdentity } from '../../core/incident.js';
import type { QuarantineConfig } from './config.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'meshguard';
export const KIND_LABEL = 'meshguard.io/incident-kind';
export const OFFENDER_LABEL = 'meshguard.io/offender-hash';
export const QUARANTINE_ID_LABEL = 'meshguard.io/quarantine-id';
export const INCIDENT_ANNOTATION = 'meshguard.io/incident-id';
export const REASON_ANNOTATION = 'meshguard.io/reason';
export const EXPIRES_ANNOTATION = 'meshguard.io/expires-at';
export const UNDO_ANNOTATION = 'meshguard.io/undo';
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

/** More target namespaces than this and a mesh-wide policy is both simpler and what the attack deserves. */
const MAX_TARGET_NAMESPACES = 5;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A `security.istio.io/v1` AuthorizationPolicy as meshguard writes it (DENY, L4 only). */
export interface AuthorizationPolicyManifest {
  apiVersion: 'security.istio.io/v1';
  kind: 'AuthorizationPolicy';
  metadata: ObjectMeta;
  spec: {
    action: 'DENY';
    selector?: { matchLabels: Record<string, string> };
    rules: Array<{ from: Array<{ source: { principals?: string[]; ipBlocks?: string[] } }> }>;
  };
}

/** A `networking.k8s.io/v1` NetworkPolicy suggestion (written beside the policies, never applied by meshguard). */
export interface NetworkPolicyManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: ['Egress']; egress: [] };
}

export interface Offender {
  /** Stable key: the principal without spiffe://, else `ip:<address>`. */
  key: string;
  /** First 8 hex characters of sha256(key). */
  hash: string;
  /** AuthorizationPolicy principal form (`cluster.local/ns/shop/sa/frontend`), when the offender has one. */
  principal?: string;
  address?: string;
  namespace?: string;
}

export type OffenderResult = { ok: true; offender: Offender } | { ok: false; error: string };

export function hash8(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** `spiffe://cluster.local/ns/a/sa/b` → `cluster.local/ns/a/sa/b` (AuthorizationPolicy principals carry no scheme). */
export function toPolicyPrincipal(principal: string): string {
  return principal.replace(/^spiffe:\/\//, '');
}

/** `spiffe://<td>.consul/ns/<ns>/dc/<dc>/svc/<svc>` (Consul Connect), optionally with `/ap/<partition>`. */
export const CONSUL_PRINCIPAL =
  /^[A-Za-z0-9.\-_]+\.consul(?:\/ap\/[a-z0-9-]+)?\/ns\/[a-z0-9-]+\/dc\/[a-z0-9-]+\/svc\/[a-z0-9-]+$/;

/** A Linkerd proxy identity (`<sa>.<ns>.serviceaccount.identity.<linkerd-ns>.<td>`) → `<td>/ns/<ns>/sa/<sa>`. */
export function fromLinkerdIdentity(principal: string): string {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.serviceaccount\.identity\.[a-z0-9-]+\.([a-z0-9.-]+)$/.exec(
    principal,
  );
  return m ? `${m[3]}/ns/${m[2]}/sa/${m[1]}` : principal;
}

/** Who the incident names as the offender, in the forms a policy can match. Never throws. */
export function describeOffender(workload: WorkloadIdentity, trustDomain: string): OffenderResult {
  if (typeof workload !== 'object' || workload === null)
    return { ok: false, error: 'incident has no workload' };
  if ('serviceAccount' in workload && typeof workload.serviceAccount === 'string') {
    // Consul's SPIFFE form names a service, not a service account: matched as such by the Consul writer.
    const consul = workload.principal ? CONSUL_PRINCIPAL.exec(toPolicyPrincipal(workload.principal)) : null;
    if (consul) {
      const principal = consul[0];
      return {
        ok: true,
        offender: { key: principal, hash: hash8(principal), principal, namespace: workload.namespace },
      };
    }
    const principal = workload.principal
      ? toPolicyPrincipal(fromLinkerdIdentity(workload.principal))
      : workload.namespace && workload.serviceAccount
        ? `${trustDomain}/ns/${workload.namespace}/sa/${workload.serviceAccount}`
        : '';
    // A principal with spaces, quotes or wildcards would widen or break the match: refuse it.
    if (!/^[A-Za-z0-9.\-_]+\/ns\/[a-z0-9.\-]+\/sa\/[A-Za-z0-9.\-_]+$/.test(principal))
      return {
        ok: false,
        error: `workload principal "${workload.principal}" is not of the form <trust-domain>/ns/<ns>/sa/<sa>`,
      };
    return {
      ok: true,
      offender: { key: principal, hash: hash8(principal), principal, namespace: workload.namespace },
    };
  }
  if ('address' in workload && typeof workload.address === 'string') {
    const address = workload.address.trim();
    if (isIP(address) === 0)
      return { ok: false, error: `workload address "${workload.address}" is not an IP address` };
    const key = `ip:${address}`;
    return { ok: true, offender: { key, hash: hash8(key), address, namespace: workload.namespace } };
  }
  return { ok: false, error: 'incident workload has neither a principal nor an address' };
}

function namespaceOfTarget(target: string): string | undefined {
  const t = target.toLowerCase();
  // A principal: spiffe://cluster.local/ns/shop/sa/reviews or cluster.local/ns/shop/sa/reviews
  const byPrincipal = /\/ns\/([a-z0-9-]+)\/sa\//.exec(t);
  if (byPrincipal) return byPrincipal[1];
  // The API server is not a mesh workload: a policy in `default` would not protect it.
  if (/^kubernetes\.default(\.svc|$)/.test(t)) return undefined;
  // A service host: reviews.shop.svc.cluster.local, reviews.shop.svc (a port may follow)
  return /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.[a-z0-9.-]*)?(:\d+)?$/.exec(t)?.[1];
}

/** Evidence keys that hold the attacked services (hosts, principals, or objects with a namespace). */
// Not `sensitive_destinations`: those are mostly outside the mesh (the API server, cloud metadata), where a
// namespace-scoped policy protects nothing and would only narrow the quarantine.
export const TARGET_KEYS = ['targets', 'destinations', 'dst', 'destinations_denied', 'new_destinations'];

/**
 * The namespaces of the attacked services, when the evidence names them. Read from the incident's evidence
 * and from each of its `findings[]`: `targetNamespaces` / `target_namespaces` (names), `dstNamespace`, and
 * the TARGET_KEYS holding service hosts (`reviews.shop.svc.cluster.local`), principals, or `{namespace}`.
 * External hosts and bare addresses name no namespace and are ignored.
 */
export function targetNamespacesOf(evidence: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const addNs = (v: unknown): void => {
    if (typeof v === 'string' && v.length <= 63 && DNS1123_LABEL.test(v)) out.add(v);
  };
  const addTarget = (v: unknown): void => {
    if (typeof v === 'string') addNs(namespaceOfTarget(v));
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      addNs(o.namespace ?? o.dstNamespace);
    }
  };
  const scan = (ev: Record<string, unknown>): void => {
    for (const key of ['targetNamespaces', 'target_namespaces']) {
      const v = ev[key];
      if (Array.isArray(v)) v.forEach(addNs);
    }
    addNs(ev.dstNamespace);
    for (const key of TARGET_KEYS) {
      const v = ev[key];
      if (Array.isArray(v)) v.forEach(addTarget);
      else addTarget(v);
    }
  };
  const ev = typeof evidence === 'object' && evidence !== null ? evidence : {};
  scan(ev);
  if (Array.isArray(ev.findings))
    for (const f of ev.findings) if (typeof f === 'object' && f !== null) scan(f as Record<string, unknown>);
  return [...out].sort();
}

function podLabelsOf(evidence: Record<string, unknown>): Record<string, string> | undefined {
  for (const key of ['podLabels', 'srcLabels', 'labels']) {
    const v = (evidence ?? {})[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    const entries = Object.entries(v).filter(
      (e): e is [string, string] =>
        typeof e[1] === 'string' &&
        /^[A-Za-z0-9./_-]{1,253}$/.test(e[0]) &&
        /^[A-Za-z0-9._-]{0,63}$/.test(e[1]),
    );
    if (entries.length) return Object.fromEntries(entries);
  }
  return undefined;
}

export interface PlanInput {
  incident: Incident;
  offender: Offender;
  cfg: QuarantineConfig;
  /** The mode the policies are applied in once in place (pending-approval records carry the later mode). */
  applyMode: QuarantineApplyMode;
  nowMs: number;
  /** Base URL of the admin API, for the undo instruction. */
  adminUrl: string;
  /** Overrides the `<kind>` part of the name (manual quarantines use `manual`). */
  nameKind?: string;
}

export interface QuarantinePlan {
  /** The quarantine id = the name of its first policy. */
  id: string;
  policies: AuthorizationPolicyManifest[];
  suggestions: NetworkPolicyManifest[];
  scope: 'mesh-wide' | 'namespaces';
  notEnforced: string[];
  /** One sentence: who, why, what, until when. */
  reason: string;
  undo: string;
  expiresAt: string;
}

export function quarantineName(kind: string, offenderHash: string): string {
  return `meshguard-quarantine-${kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${offenderHash}`;
}

/** The id of a containment to the offender's baseline (graduated containment). */
export function containmentName(kind: string, offenderHash: string): string {
  return `meshguard-contain-${kind.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${offenderHash}`;
}

export function undoCommand(
  policies: Array<{ namespace: string; name: string }>,
  id: string,
  adminUrl: string,
): string {
  const kubectl = policies
    .map((p) => `kubectl delete authorizationpolicy -n ${p.namespace} ${p.name}`)
    .join(' && ');
  const api = `curl -X POST -H "Authorization: Bearer $TOKEN" ${adminUrl.replace(/\/+$/, '')}/api/quarantines/${id}/release`;
  return `${kubectl} (or through meshguard: ${api})`;
}

/** What every resource of one quarantine carries: owned, findable, explained, expiring, undoable. */
export interface QuarantineMetadataInput {
  incident: Incident;
  offender: Offender;
  /** The quarantine id. */
  id: string;
  reason: string;
  expiresAt: string;
  undo: string;
  applyMode: QuarantineApplyMode;
}

export function quarantineMetadata(m: QuarantineMetadataInput, namespace: string, name: string): ObjectMeta {
  const annotations: Record<string, string> = {
    [INCIDENT_ANNOTATION]: m.incident.id,
    [REASON_ANNOTATION]: m.reason,
    [EXPIRES_ANNOTATION]: m.expiresAt,
    [UNDO_ANNOTATION]: m.undo,
  };
  if (m.applyMode === 'dry-run') annotations[DRY_RUN_ANNOTATION] = 'true';
  return {
    name,
    namespace,
    labels: {
      [MANAGED_BY_LABEL]: MANAGED_BY,
      [KIND_LABEL]: m.incident.kind,
      [OFFENDER_LABEL]: m.offender.hash,
      [QUARANTINE_ID_LABEL]: m.id,
    },
    annotations,
  };
}

/** Build the quarantine for one offender. Pure: same input, same output. */
export function buildQuarantinePlan(input: PlanInput): QuarantinePlan {
  const { incident, offender, cfg, nowMs } = input;
  const kind = input.nameKind ?? incident.kind;
  const id = quarantineName(kind, offender.hash);
  const expiresAt = new Date(nowMs + cfg.ttl_secs * 1000).toISOString();
  const notEnforced: string[] = [];

  const source: { principals?: string[]; ipBlocks?: string[] } = {};
  if (offender.principal) source.principals = [offender.principal];
  else if (offender.address) {
    source.ipBlocks = [`${offender.address}/${isIP(offender.address) === 6 ? 128 : 32}`];
    notEnforced.push(
      `no mTLS principal (plaintext under PERMISSIVE mTLS): matched by pod IP ${source.ipBlocks[0]}, which is ephemeral — ` +
        'a restarted pod gets a new IP and another pod may reuse this one; enforce STRICT mTLS to quarantine by identity',
    );
  }
  const rules = [{ from: [{ source }] }];

  const targets = targetNamespacesOf(incident.evidence).filter((ns) => ns !== cfg.root_namespace);
  const scope: QuarantinePlan['scope'] =
    targets.length > 0 && targets.length <= MAX_TARGET_NAMESPACES ? 'namespaces' : 'mesh-wide';
  const placements: Array<{ namespace: string; name: string; selector?: Record<string, string> }> =
    scope === 'namespaces'
      ? targets.map((namespace) => ({ namespace, name: id }))
      : [{ namespace: cfg.root_namespace, name: id }];

  const egress = incident.kind === 'exfiltration';
  if (egress && cfg.egress_gateway.enabled) {
    // Sidecars enforce inbound only; the egress gateway is the receiver of the offender's outbound traffic.
    placements.push({
      namespace: cfg.egress_gateway.namespace,
      name: `${id}-egress`,
      selector: cfg.egress_gateway.selector,
    });
  }

  const who = offender.principal ?? `address ${offender.address}`;
  const where =
    scope === 'mesh-wide'
      ? 'mesh-wide'
      : `inbound to namespace${targets.length > 1 ? 's' : ''} ${targets.join(', ')}`;
  const reason =
    `${incident.kind.replace(/_/g, ' ')} by ${who} (severity ${incident.severity}, score ${incident.score.toFixed(2)}, ` +
    `incident ${incident.id}): denied ${where}${egress && cfg.egress_gateway.enabled ? ' and at the egress gateway' : ''} until ${expiresAt}.`;
  const undo = undoCommand(placements, id, input.adminUrl);

  const meta = { incident, offender, id, reason, expiresAt, undo, applyMode: input.applyMode };
  const metadata = (namespace: string, name: string): ObjectMeta => quarantineMetadata(meta, namespace, name);

  const policies: AuthorizationPolicyManifest[] = placements.map((p) => ({
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: metadata(p.namespace, p.name),
    spec: {
      action: 'DENY',
      ...(p.selector ? { selector: { matchLabels: { ...p.selector } } } : {}),
      rules: structuredClone(rules),
    },
  }));

  const suggestions: NetworkPolicyManifest[] = [];
  if (egress && !cfg.egress_gateway.enabled) {
    notEnforced.push(
      'egress could not be enforced by Istio: there is no egress gateway and an AuthorizationPolicy is enforced only by the receiver; ' +
        'a Kubernetes NetworkPolicy denying egress from the pod is needed',
    );
    const labels = podLabelsOf(incident.evidence);
    if (labels && offender.namespace) {
      suggestions.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: metadata(offender.namespace, `${id}-egress`),
        // Empty egress with policyTypes Egress = no egress at all: a quarantine, not a tuning.
        spec: { podSelector: { matchLabels: labels }, policyTypes: ['Egress'], egress: [] },
      });
    } else {
      notEnforced.push(
        'pod labels or namespace unknown: no NetworkPolicy suggested; write one selecting the offending pod',
      );
    }
  }

  return { id, policies, suggestions, scope, notEnforced, reason, undo, expiresAt };
}
