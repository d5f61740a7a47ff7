/**
 * Linkerd: there is no DENY. Containing an offender from a server means authorizing everyone else:
 * per destination server, a Server for its port (or the existing one, of which only the default
 * authorization `accessPolicy` changes), an AuthorizationPolicy targeting it that requires a
 * MeshTLSAuthentication of the identities that legitimately call it (the learned call graph) minus the
 * offender, and, when `linkerd.probe_networks` is set, a NetworkAuthentication of the nodes' networks
 * with its own AuthorizationPolicy, so kubelet probes keep working. Dry-run is the Server's
 * `accessPolicy: audit`: unauthorized requests are allowed and flagged in the proxy's logs and metrics.
 *
 * The objects are per server and shared by every quarantine protecting it (merge.ts): Linkerd's
 * authorizations are a union, so one MeshTLSAuthentication must exclude every quarantined caller.
 */
import { MANAGED_BY, MANAGED_BY_LABEL } from '../policy.js';
import { EXCLUDED_IDENTITY, EXCLUDED_WAS_CALLER } from './merge.js';
import { dnsName, expiresAtOf, ownedMeta, quarantineId, reasonOf, undoOf } from './common.js';
import { MAX_DESTINATIONS, targetsOf, type Destination } from './targets.js';
import type { MeshResource } from './resource.js';
import type { MeshPlan, MeshPolicyWriter, WriterInput } from './writer.js';

const API = 'policy.linkerd.io/v1alpha1';
const SERVER_API = 'policy.linkerd.io/v1beta3';
const GROUP = 'policy.linkerd.io';
/** Label the Linkerd proxy injector puts on every meshed pod of a Deployment. */
export const PROXY_DEPLOYMENT_LABEL = 'linkerd.io/proxy-deployment';
const IDENTITY = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const LINKERD_KINDS = [
  { apiVersion: SERVER_API, kind: 'Server' },
  { apiVersion: API, kind: 'AuthorizationPolicy' },
  { apiVersion: API, kind: 'MeshTLSAuthentication' },
  { apiVersion: API, kind: 'NetworkAuthentication' },
];

/** `<sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>`: a proxy's mTLS identity. */
export function linkerdIdentity(
  namespace: string,
  serviceAccount: string,
  controlPlane: string,
  trustDomain: string,
): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.${controlPlane}.${trustDomain}`;
}

interface ServerChoice {
  server: MeshResource;
  /** meshguard writes this Server (it did not exist): its objects share the Server's name. */
  ours: boolean;
}

function selects(server: MeshResource, d: Destination): boolean {
  const spec = server.spec as { podSelector?: { matchLabels?: Record<string, string> }; port?: unknown };
  const labels = spec.podSelector?.matchLabels ?? {};
  const byName = [PROXY_DEPLOYMENT_LABEL, 'app', 'app.kubernetes.io/name'].some((k) => labels[k] === d.name);
  return byName && (d.port === undefined || String(spec.port) === String(d.port));
}

async function serversFor(input: WriterInput, d: Destination, mode: string): Promise<ServerChoice[]> {
  const existing = (await input.reader.listKind(SERVER_API, 'Server', d.namespace)).filter((s) =>
    selects(s, d),
  );
  // A Server meshguard wrote for an earlier quarantine is shared, with its authorizations, not wrapped again.
  if (existing.length)
    return existing.map((s) => ({
      server: structuredClone(s),
      ours: s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY,
    }));
  if (d.port === undefined) return [];
  return [
    {
      ours: true,
      server: {
        apiVersion: SERVER_API,
        kind: 'Server',
        metadata: { name: dnsName('meshguard', d.name, String(d.port)), namespace: d.namespace },
        spec: {
          podSelector: { matchLabels: { [PROXY_DEPLOYMENT_LABEL]: d.name } },
          port: d.port,
          accessPolicy: mode,
        },
      },
    },
  ];
}

export const linkerdWriter: MeshPolicyWriter = {
  mesh: 'linkerd',
  kinds: LINKERD_KINDS,
  async plan(input) {
    const { cfg, offender } = input;
    const id = quarantineId(input);
    const expiresAt = expiresAtOf(input);
    const mode = input.applyMode === 'dry-run' ? 'audit' : 'deny';
    const cp = cfg.linkerd.control_plane_namespace;
    const principal = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(offender.principal ?? '');
    const offenderId = principal
      ? linkerdIdentity(principal[1]!, principal[2]!, cp, input.trustDomain)
      : undefined;
    const notEnforced: string[] = [];
    if (!offenderId)
      notEnforced.push(
        `no mTLS identity: the offender (${offender.address}) is excluded because it is not among the authorized identities; ` +
          'a NetworkAuthentication that admitted its address would admit it',
      );
    const scope = input.containment;
    // Contained to its baseline: refused at every other destination the call graph knows (containment.ts).
    const destinations = scope ? scope.protect : targetsOf(input.incident.evidence).destinations;
    if (destinations.length === 0)
      notEnforced.push(
        'Linkerd has no DENY and no mesh-wide policy: containment is per destination server, and the evidence names none; nothing was applied',
      );
    if (scope)
      notEnforced.push(
        "Linkerd has no DENY: at each other destination's server the default becomes deny and only its learned callers (minus the offender) are authorized, so a legitimate caller the call graph never saw is refused there too",
        'destinations the call graph never saw are not covered (Linkerd has no mesh-wide policy)',
      );
    if (destinations.length > MAX_DESTINATIONS)
      notEnforced.push(
        `only the first ${MAX_DESTINATIONS} of ${destinations.length} destinations are contained`,
      );

    const planned: Array<{ build: (reason: string, undo: string) => MeshResource; preview: MeshResource }> =
      [];
    const servers: MeshResource[] = [];
    const add = (make: (meta: { reason: string; undo: string }) => MeshResource): void => {
      const preview = make({ reason: '', undo: '' });
      planned.push({ build: (reason, undo) => make({ reason, undo }), preview });
    };
    const namespaces = new Set<string>();
    // A destination named without a port is contained on every port it is known to be called on.
    const resolved: Destination[] = [];
    for (const d of destinations.slice(0, MAX_DESTINATIONS)) {
      const ports = d.port === undefined ? ((await input.callers.portsOf?.(d)) ?? []) : [];
      if (ports.length) for (const port of ports) resolved.push({ ...d, port });
      else resolved.push(d);
    }
    for (const d of resolved) {
      const choices = await serversFor(input, d, mode);
      if (choices.length === 0) {
        notEnforced.push(
          `${d.namespace}/${d.name}: no port known and no Server found for it; not contained there`,
        );
        continue;
      }
      const callers = await input.callers.callersOf({ namespace: d.namespace, name: d.name });
      const allIds = [
        ...new Set(callers.map((c) => linkerdIdentity(c.namespace, c.serviceAccount, cp, input.trustDomain))),
      ]
        .filter((i) => IDENTITY.test(i))
        .sort();
      const identities = allIds.filter((i) => i !== offenderId);
      if (identities.length === 0)
        notEnforced.push(
          `${d.namespace}/${d.name}: no legitimate caller learned: only kubelet probes stay authorized`,
        );
      for (const { server, ours } of choices) {
        namespaces.add(d.namespace);
        const serverName = server.metadata.name;
        const base = ours ? serverName : dnsName('meshguard', serverName);
        const meta = (name: string, m: { reason: string; undo: string }, extra?: Record<string, string>) =>
          ownedMeta({
            input,
            id,
            name,
            namespace: d.namespace,
            reason: m.reason,
            undo: m.undo,
            expiresAt,
            extraAnnotations: extra,
          });
        const targetRef = { group: GROUP, kind: 'Server', name: serverName };
        add((m) => ({
          apiVersion: API,
          kind: 'MeshTLSAuthentication',
          metadata: meta(
            base,
            m,
            offenderId
              ? {
                  [EXCLUDED_IDENTITY]: offenderId,
                  [EXCLUDED_WAS_CALLER]: String(allIds.includes(offenderId)),
                }
              : undefined,
          ),
          spec: { identities },
        }));
        add((m) => ({
          apiVersion: API,
          kind: 'AuthorizationPolicy',
          metadata: meta(base, m),
          spec: {
            targetRef,
            requiredAuthenticationRefs: [{ group: GROUP, kind: 'MeshTLSAuthentication', name: base }],
          },
        }));
        if (cfg.linkerd.probe_networks.length) {
          const except = offender.address
            ? [`${offender.address}/${offender.address.includes(':') ? 128 : 32}`]
            : [];
          add((m) => ({
            apiVersion: API,
            kind: 'NetworkAuthentication',
            metadata: meta(`${base}-probes`, m),
            spec: {
              networks: cfg.linkerd.probe_networks.map((cidr) =>
                except.length ? { cidr, except } : { cidr },
              ),
            },
          }));
          add((m) => ({
            apiVersion: API,
            kind: 'AuthorizationPolicy',
            metadata: meta(`${base}-probes`, m),
            spec: {
              targetRef,
              requiredAuthenticationRefs: [
                { group: GROUP, kind: 'NetworkAuthentication', name: `${base}-probes` },
              ],
            },
          }));
        }
        servers.push(server);
        const others = (await input.reader.listKind(API, 'AuthorizationPolicy', d.namespace)).filter(
          (p) =>
            !p.metadata.name.startsWith('meshguard-') &&
            (p.spec as { targetRef?: { kind?: string; name?: string } }).targetRef?.name === serverName,
        );
        for (const p of others)
          notEnforced.push(
            `AuthorizationPolicy ${d.namespace}/${p.metadata.name} also authorizes callers of Server ${serverName}: Linkerd's ` +
              'authorizations are a union, so if it admits the offender the quarantine does not hold there (meshguard never edits it)',
          );
        // The Server goes last: its default turns deny only once the authorizations are in place.
        add((m) => {
          if (ours)
            return {
              apiVersion: server.apiVersion,
              kind: 'Server',
              metadata: meta(serverName, m),
              spec: { ...(server.spec as object), accessPolicy: mode },
            };
          const spec = { ...(server.spec as Record<string, unknown>), accessPolicy: mode };
          return {
            apiVersion: server.apiVersion,
            kind: 'Server',
            metadata: { name: serverName, namespace: d.namespace },
            spec,
          };
        });
      }
    }
    if (planned.length && cfg.linkerd.probe_networks.length === 0)
      notEnforced.push(
        'kubelet probes: Linkerd authorizes them by default on a Server without HTTPRoutes; set quarantine.linkerd.probe_networks ' +
          "(the nodes' CIDRs) to authorize them explicitly with a NetworkAuthentication",
      );
    if (input.applyMode === 'dry-run' && planned.length)
      notEnforced.push(
        "dry-run: the Servers' accessPolicy is audit — the offender is still allowed, and flagged in the proxies' logs and metrics",
      );

    const serverList =
      servers.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).join(', ') || 'no server';
    const where = scope
      ? `contained to its baseline: it may still call ${scope.keep.map((d) => `${d.namespace}/${d.name}`).join(', ')}; ${serverList} authorize only their other learned callers`
      : `authorized only the other callers of ${serverList}`;
    const reason = reasonOf(input, where, expiresAt);
    const previews = planned.map((p) => p.preview);
    const undo = undoOf([], previews, id, input.adminUrl);
    const policies = planned.map((p) => p.build(reason, undo));
    const plan: MeshPlan = {
      id,
      policies,
      changes: policies.map(() => ({ op: 'merge' as const })),
      suggestions: [],
      scope: 'namespaces',
      notEnforced,
      reason,
      undo,
      expiresAt,
    };
    void namespaces;
    return plan;
  },
  invariantErrors(resource) {
    const errors: string[] = [];
    const spec = resource.spec as Record<string, unknown>;
    if (!resource.apiVersion.startsWith(`${GROUP}/`))
      errors.push(`apiVersion ${resource.apiVersion} is not Linkerd's policy API`);
    if (resource.kind === 'MeshTLSAuthentication') {
      const ids = spec.identities as string[] | undefined;
      if (!Array.isArray(ids)) errors.push('spec.identities must list the authorized identities');
      // A wildcard would authorize the offender again.
      for (const i of ids ?? [])
        if (i.includes('*')) errors.push(`spec.identities: "${i}" must not be a wildcard`);
      const excluded = resource.metadata.annotations?.[EXCLUDED_IDENTITY];
      if (excluded && ids?.includes(excluded))
        errors.push(`spec.identities must not authorize the offender ${excluded}`);
    }
    if (resource.kind === 'Server' && !['audit', 'deny'].includes(String(spec.accessPolicy)))
      errors.push(`spec.accessPolicy must be audit (dry-run) or deny, got ${String(spec.accessPolicy)}`);
    if (resource.kind === 'NetworkAuthentication')
      for (const n of (spec.networks as Array<{ cidr: string }> | undefined) ?? [])
        if (/^(0\.0\.0\.0|::)\/0$/.test(n.cidr))
          errors.push(`spec.networks: ${n.cidr} would authorize every address, the offender's too`);
    return errors;
  },
  appliedText(mode) {
    return mode === 'dry-run'
      ? "applied in dry-run (Servers' accessPolicy audit: Linkerd flags, does not deny)"
      : 'applied (proxies deny the offender as they receive the policy)';
  },
};
