/**
 * The `quarantine:` section: the guardrails, the sink the policies go to, the TTL and the audit trail.
 * Keys and defaults are documented in README.md (and generated into docs/config.md).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { QuarantineApplyMode } from '../../core/incident.js';
import { QuarantineApplyModeSchema, SeveritySchema as Severity } from '../../core/incident-schema.js';

export const QuarantineConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    mode: Type.Unsafe<QuarantineApplyMode>({
      ...QuarantineApplyModeSchema,
      default: 'dry-run',
      description: 'dry-run writes policies with istio.io/dry-run so Istio logs but does not enforce them.',
    }),
    mesh: Type.Union(
      [
        Type.Literal('istio'),
        Type.Literal('ambient'),
        Type.Literal('linkerd'),
        Type.Literal('consul'),
        Type.Literal('cilium'),
      ],
      {
        default: 'istio',
        description:
          "The mesh whose policy objects quarantine writes: Istio AuthorizationPolicy (sidecars or ambient), Linkerd's authorizations, Consul intentions, Cilium network policies.",
      },
    ),
    sink: Type.Union(
      [Type.Literal('gitops'), Type.Literal('kubernetes'), Type.Literal('consul'), Type.Literal('none')],
      {
        default: 'gitops',
        description:
          "gitops writes YAML files to policies_dir; kubernetes applies them to the API server; consul writes intentions through Consul's HTTP API (mesh consul only).",
      },
    ),
    policies_dir: Type.String({ default: './out/policies' }),
    // Defaults: every medium-or-worse incident gets a dry-run policy (evaluated and logged by Istio, not
    // enforced), so a team sees what enforcement would do before turning it on.
    min_severity: { ...Severity, default: 'medium', description: 'Incidents below this only alert.' },
    approval_below_severity: {
      ...Severity,
      default: 'medium',
      description: 'Quarantines for incidents below this severity wait for approval through the admin API.',
    },
    contain_to_baseline: Type.Boolean({
      default: true,
      description:
        'Graduated containment: a medium-severity offender with an mTLS principal and edges learned before the incident is contained to its baseline (DENY on every other workload the call graph knows) instead of the full quarantine; high and critical keep the full quarantine. Istio sidecars only.',
    }),
    ttl_secs: Type.Integer({
      default: 3600,
      minimum: 60,
      description: 'Policies expire and are released after this.',
    }),
    max_per_window: Type.Integer({
      default: 10,
      minimum: 0,
      description: 'Blast-radius cap per cap_window_secs.',
    }),
    cap_window_secs: Type.Integer({ default: 300, minimum: 1 }),
    root_namespace: Type.String({
      default: 'istio-system',
      description: "Istio's root namespace (mesh-wide policies).",
    }),
    protected_namespaces: Type.Array(Type.String(), {
      default: ['kube-system', 'istio-system', 'meshguard'],
      description: 'Never quarantined (added to the built-in list).',
    }),
    protected_principals: Type.Array(Type.String(), { default: [] }),
    own_namespace: Type.String({
      default: 'meshguard',
      description: "meshguard's own namespace: always protected, so meshguard never cuts itself off.",
    }),
    audit_log_file: Type.String({
      default: '',
      description:
        'Every quarantine action is also appended here as one JSON line (empty = state store only).',
    }),
    audit_retention_secs: Type.Integer({
      default: 30 * 24 * 3600,
      minimum: 60,
      description: 'How long audit entries and released quarantine records stay in the state store.',
    }),
    kubeconfig: Type.String({
      default: '',
      description:
        'Kubeconfig file for the kubernetes sink; empty = KUBECONFIG, ~/.kube/config, then in-cluster.',
    }),
    apply_max_attempts: Type.Integer({
      default: 3,
      minimum: 1,
      description: 'Attempts to apply or delete a policy when the sink answers retryable (409, 5xx).',
    }),
    apply_backoff_ms: Type.Integer({
      default: 500,
      minimum: 0,
      description: 'First retry delay, doubled each time.',
    }),
    egress_gateway: Type.Object(
      {
        namespace: Type.String({ default: 'istio-system' }),
        selector: Type.Record(Type.String(), Type.String(), { default: { istio: 'egressgateway' } }),
        enabled: Type.Boolean({
          default: true,
          description: 'Whether egress goes through an Istio egress gateway.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    linkerd: Type.Object(
      {
        control_plane_namespace: Type.String({
          default: 'linkerd',
          description:
            "Linkerd's namespace: part of every proxy identity (<sa>.<ns>.serviceaccount.identity.<this>.<trust_domain>).",
        }),
        probe_networks: Type.Array(Type.String(), {
          default: [],
          description:
            "The nodes' CIDRs, where kubelet probes come from: authorized by a NetworkAuthentication on each quarantined server. Empty: Linkerd's default probe authorization (Servers without HTTPRoutes).",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    consul: Type.Object(
      {
        address: Type.String({
          default: 'http://127.0.0.1:8500',
          description: "Consul's HTTP API (sink consul).",
        }),
        token: Type.String({
          default: '',
          description: 'ACL token with operator:write (env CONSUL_HTTP_TOKEN when empty).',
        }),
        namespace: Type.String({
          default: '',
          description: 'Consul Enterprise namespace of the services (empty: none).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    cilium: Type.Object(
      {
        clusterwide: Type.Boolean({
          default: false,
          description: 'Write CiliumClusterwideNetworkPolicy instead of namespaced CiliumNetworkPolicy.',
        }),
        policy_audit_mode: Type.Boolean({
          default: false,
          description:
            "The agents (policy-audit-mode) or the offenders' endpoints run in policy audit mode: dry-run policies are then applied (Hubble shows AUDIT verdicts); otherwise dry-run only suggests them.",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type QuarantineConfig = Static<typeof QuarantineConfig>;
