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
    sink: Type.Union([Type.Literal('gitops'), Type.Literal('kubernetes'), Type.Literal('none')], {
      default: 'gitops',
      description: 'gitops writes YAML files to policies_dir; kubernetes applies them server-side.',
    }),
    policies_dir: Type.String({ default: './out/policies' }),
    // Defaults: every medium-or-worse incident gets a dry-run policy (evaluated and logged by Istio, not
    // enforced), so a team sees what enforcement would do before turning it on.
    min_severity: { ...Severity, default: 'medium', description: 'Incidents below this only alert.' },
    approval_below_severity: {
      ...Severity,
      default: 'medium',
      description: 'Quarantines for incidents below this severity wait for approval through the admin API.',
    },
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
  },
  { additionalProperties: false, default: {} },
);
export type QuarantineConfig = Static<typeof QuarantineConfig>;
