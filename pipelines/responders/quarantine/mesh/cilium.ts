/**
 * Cilium: a CiliumNetworkPolicy (or CiliumClusterwideNetworkPolicy) selecting the offender by its
 * identity labels (`io.cilium.k8s.policy.serviceaccount`, `io.kubernetes.pod.namespace`) with
 * `egressDeny` to what it attacked, and one per attacked namespace with `ingressDeny` from it. Cilium
 * facts that shape it:
 * - Deny rules win over allow rules, and are L3/L4 only: they support neither L7 rules nor `toFQDNs`.
 *   Exfiltration to an address is denied by `toCIDR`; to a host name only, by denying all egress to
 *   `world` (everything outside the cluster).
 * - There is no per-policy dry-run: policy audit mode is an agent setting (`policy-audit-mode`) or an
 *   endpoint's (`cilium-dbg endpoint config <id> PolicyAuditMode=Enabled`). With
 *   `cilium.policy_audit_mode: true` dry-run policies are applied (Hubble reports AUDIT verdicts);
 *   otherwise dry-run only suggests them.
 */
import { isIP } from 'node:net';
import { appliedOrSuggested, expiresAtOf, ownedMeta, quarantineId, reasonOf } from './common.js';
import { MAX_DESTINATIONS, targetsOf } from './targets.js';
import type { MeshResource } from './resource.js';
import type { MeshPolicyWriter } from './writer.js';

const API = 'cilium.io/v2';
export const SA_LABEL = 'io.cilium.k8s.policy.serviceaccount';
export const NS_LABEL = 'io.kubernetes.pod.namespace';

export const NO_FQDN_DENY =
  'Cilium deny rules do not support toFQDNs: egress to the host name is cut by denying all egress to world (outside the cluster)';
export const NO_AUDIT_MODE =
  'Cilium has no per-policy dry-run: policy audit mode is an agent (policy-audit-mode) or endpoint setting ' +
  '(cilium-dbg endpoint config <id> PolicyAuditMode=Enabled); these policies are suggestions until quarantine.cilium.policy_audit_mode is true or mode is enforce';

export const ciliumWriter: MeshPolicyWriter = {
  mesh: 'cilium',
  kinds: [
    { apiVersion: API, kind: 'CiliumNetworkPolicy' },
    { apiVersion: API, kind: 'CiliumClusterwideNetworkPolicy' },
  ],
  async plan(input) {
    const { cfg, offender, incident } = input;
    const id = quarantineId(input);
    const expiresAt = expiresAtOf(input);
    const notEnforced: string[] = [];
    const principal = /\/ns\/([a-z0-9-]+)\/sa\/([a-z0-9.-]+)$/.exec(offender.principal ?? '');
    const { destinations, external } = targetsOf(incident.evidence);
    const clusterwide = cfg.cilium.clusterwide;
    const kind = clusterwide ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy';

    const specs: Array<{ name: string; namespace?: string; spec: Record<string, unknown> }> = [];
    if (!principal) {
      notEnforced.push(
        `no identity: Cilium selects endpoints by labels, and the offender (${offender.address}) has only an address; nothing was applied`,
      );
    } else {
      const [, ns, sa] = principal;
      const offenderLabels = { [SA_LABEL]: sa!, [NS_LABEL]: ns! };
      const deny: Array<Record<string, unknown>> = [];
      const namespaces = [...new Set(destinations.map((d) => d.namespace))].slice(0, MAX_DESTINATIONS);
      if (namespaces.length)
        deny.push({ toEndpoints: namespaces.map((n) => ({ matchLabels: { [NS_LABEL]: n } })) });
      if (external.addresses.length)
        deny.push({ toCIDR: external.addresses.map((a) => `${a}/${isIP(a) === 6 ? 128 : 32}`) });
      else if (external.hosts.length || incident.kind === 'exfiltration') {
        deny.push({ toEntities: ['world'] });
        if (external.hosts.length) notEnforced.push(NO_FQDN_DENY);
      }
      if (deny.length === 0) deny.push({ toEntities: ['cluster'] }); // nothing named: cut it off the cluster
      specs.push({
        name: id,
        namespace: clusterwide ? undefined : ns,
        spec: {
          description: `meshguard quarantine of ${offender.principal}`,
          endpointSelector: { matchLabels: clusterwide ? offenderLabels : { [SA_LABEL]: sa! } },
          egressDeny: deny,
        },
      });
      for (const n of clusterwide ? [] : namespaces)
        specs.push({
          name: `${id}-ingress`,
          namespace: n,
          spec: {
            description: `meshguard quarantine of ${offender.principal}: inbound`,
            endpointSelector: {},
            ingressDeny: [{ fromEndpoints: [{ matchLabels: offenderLabels }] }],
          },
        });
    }
    const dryRun = input.applyMode === 'dry-run';
    const suggestOnly = dryRun && !cfg.cilium.policy_audit_mode;
    if (suggestOnly) notEnforced.push(NO_AUDIT_MODE);
    if (dryRun && !suggestOnly)
      notEnforced.push(
        "dry-run relies on policy audit mode being on for the offender's endpoints: Hubble reports AUDIT verdicts, nothing is dropped",
      );

    const reason = reasonOf(
      input,
      `egress denied by ${kind}${specs.length > 1 ? ' and ingress denied in its targets' : ''}`,
      expiresAt,
    );
    const build = (undo: string): MeshResource[] =>
      specs.map((s) => ({
        apiVersion: API,
        kind,
        metadata: ownedMeta({ input, id, name: s.name, namespace: s.namespace, reason, undo, expiresAt }),
        spec: s.spec,
      }));
    return {
      id,
      ...appliedOrSuggested({ id, input, op: 'create', suggestOnly, build }),
      scope: destinations.length ? 'namespaces' : 'mesh-wide',
      notEnforced,
      reason,
      expiresAt,
    };
  },
  invariantErrors(resource) {
    const errors: string[] = [];
    const spec = resource.spec as Record<string, unknown>;
    if (!['CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'].includes(resource.kind))
      errors.push(`kind must be a Cilium network policy, got ${resource.kind}`);
    // Only deny rules: an allow rule would make the selected endpoints default-deny for everything else.
    if ('ingress' in spec || 'egress' in spec)
      errors.push('only ingressDeny/egressDeny rules are written, never allow rules');
    const selector = spec.endpointSelector as { matchLabels?: Record<string, string> } | undefined;
    if (!selector) errors.push('spec.endpointSelector is required');
    if ('egressDeny' in spec && !Object.keys(selector?.matchLabels ?? {}).length)
      errors.push('an egressDeny must select the offender, not every endpoint');
    return errors;
  },
  appliedText(mode) {
    return mode === 'dry-run'
      ? 'applied in policy audit mode (Hubble reports AUDIT verdicts, nothing is dropped)'
      : 'applied (the Cilium agents enforce it in eBPF as they receive it)';
  },
};
