/**
 * Every policy is checked before it is applied: against Istio's own CRD schema (@kubernetes-models/istio)
 * and against meshguard's invariants (DENY only, L4 only, DNS-1123 names, owned labels). An invalid
 * policy is never applied.
 */
import { MANAGED_BY, MANAGED_BY_LABEL, type AuthorizationPolicyManifest } from './policy.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type SchemaValidator = (obj: unknown) => void;
let schemaValidator: Promise<SchemaValidator | undefined> | undefined;

/**
 * Loaded lazily: @kubernetes-models/istio is a large generated package and only this check needs it.
 * When it is not installed (a production image built without it) the invariant checks still run.
 */
function loadSchemaValidator(): Promise<SchemaValidator | undefined> {
  schemaValidator ??= import('@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy')
    .then(
      (mod) => (obj: unknown) =>
        new mod.AuthorizationPolicy(
          structuredClone(obj) as ConstructorParameters<typeof mod.AuthorizationPolicy>[0],
        ).validate(),
    )
    .catch(() => undefined);
  return schemaValidator;
}

/** meshguard's own rules, independent of the schema. */
export function invariantErrors(policy: AuthorizationPolicyManifest): string[] {
  const errors: string[] = [];
  const { metadata, spec } = policy;
  if (policy.apiVersion !== 'security.istio.io/v1')
    errors.push(`apiVersion must be security.istio.io/v1, got ${String(policy.apiVersion)}`);
  if (policy.kind !== 'AuthorizationPolicy')
    errors.push(`kind must be AuthorizationPolicy, got ${String(policy.kind)}`);
  if (!metadata || !DNS1123_LABEL.test(metadata.name ?? '') || metadata.name.length > 63)
    errors.push(`metadata.name "${metadata?.name}" is not a DNS-1123 label`);
  if (!metadata || !DNS1123_LABEL.test(metadata.namespace ?? ''))
    errors.push(`metadata.namespace "${metadata?.namespace}" is not a DNS-1123 label`);
  if (metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY)
    errors.push(`metadata.labels.${MANAGED_BY_LABEL} must be ${MANAGED_BY}`);
  // Never ALLOW: the first ALLOW on a workload makes it default-deny for everyone else.
  if (spec?.action !== 'DENY') errors.push(`spec.action must be DENY, got ${String(spec?.action)}`);
  if (!Array.isArray(spec?.rules) || spec.rules.length === 0)
    errors.push('spec.rules must hold at least one rule (an empty DENY matches nothing)');
  for (const [i, rule] of (spec?.rules ?? []).entries()) {
    const r = rule as Record<string, unknown>;
    // L7 fields in a DENY on a TCP port deny the whole port (and in ambient, everything without a waypoint).
    if ('to' in r || 'when' in r)
      errors.push(`spec.rules[${i}]: only L4 "from" matches are allowed (no "to", no "when")`);
    const from = rule.from ?? [];
    if (from.length === 0)
      errors.push(`spec.rules[${i}].from must name the offender (an empty rule matches every request)`);
    for (const [j, f] of from.entries()) {
      const src = f.source ?? {};
      const keys = Object.keys(src);
      if (keys.some((k) => k !== 'principals' && k !== 'ipBlocks'))
        errors.push(`spec.rules[${i}].from[${j}].source: only principals or ipBlocks are allowed`);
      if (!(src.principals?.length || src.ipBlocks?.length))
        errors.push(`spec.rules[${i}].from[${j}].source must not be empty`);
      for (const p of src.principals ?? []) {
        if (p.startsWith('spiffe://'))
          errors.push(`spec.rules[${i}].from[${j}].source.principals: "${p}" must not carry spiffe://`);
        if (p.includes('*'))
          errors.push(`spec.rules[${i}].from[${j}].source.principals: "${p}" must not be a wildcard`);
      }
    }
  }
  return errors;
}

/** All the reasons this policy must not be applied (empty = valid). Never throws. */
export async function validatePolicy(policy: AuthorizationPolicyManifest): Promise<string[]> {
  const errors = invariantErrors(policy);
  const validate = await loadSchemaValidator();
  if (validate) {
    try {
      validate(policy);
    } catch (error) {
      errors.push(`Istio schema: ${(error as Error).message}`);
    }
  }
  return errors;
}

/**
 * Errors of any AuthorizationPolicy (DENY or ALLOW) against Istio's CRD schema alone, for the writers
 * that have their own invariants (least privilege). Empty when valid or when the schema is not installed.
 */
export async function istioSchemaErrors(policy: unknown): Promise<string[]> {
  const validate = await loadSchemaValidator();
  if (!validate) return [];
  try {
    validate(policy);
    return [];
  } catch (error) {
    return [`Istio schema: ${(error as Error).message}`];
  }
}
