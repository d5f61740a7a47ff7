/**
 * Every least-privilege policy is checked before it is written: Istio's CRD schema (the same check as
 * quarantine's) and the rules that keep an ALLOW policy from locking out more than its one workload or
 * allowing more than was learned.
 */
import { MANAGED_BY, MANAGED_BY_LABEL } from '../quarantine/policy.js';
import { istioSchemaErrors } from '../quarantine/validate.js';
import type { AllowPolicyManifest } from './istio.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A path Istio matches exactly or by its templates only: no `*` wildcard, `{**}` last, no query. */
function pathError(path: string): string | undefined {
  if (!path.startsWith('/')) return 'must start with /';
  if (/[?#]/.test(path)) return 'must not carry a query string or fragment';
  const segments = path.split('/').slice(1);
  for (const [i, s] of segments.entries()) {
    if (s === '{*}') continue;
    if (s === '{**}') {
      if (i !== segments.length - 1) return '{**} must be the last segment';
      continue;
    }
    if (/[*{}]/.test(s)) return `segment "${s}" mixes a wildcard or template with text`;
  }
  return undefined;
}

/** meshguard's own rules for an ALLOW policy (empty = valid). */
export function allowInvariantErrors(policy: AllowPolicyManifest): string[] {
  const errors: string[] = [];
  const { metadata, spec } = policy;
  if (policy.apiVersion !== 'security.istio.io/v1') errors.push('apiVersion must be security.istio.io/v1');
  if (!DNS1123_LABEL.test(metadata.name) || metadata.name.length > 63)
    errors.push(`metadata.name "${metadata.name}" is not a DNS-1123 label`);
  if (!DNS1123_LABEL.test(metadata.namespace))
    errors.push(`metadata.namespace "${metadata.namespace}" is not a DNS-1123 label`);
  if (metadata.labels[MANAGED_BY_LABEL] !== MANAGED_BY)
    errors.push(`metadata.labels.${MANAGED_BY_LABEL} must be ${MANAGED_BY}`);
  if (spec.action !== 'ALLOW') errors.push('spec.action must be ALLOW');
  // Without a selector the policy would make the whole namespace default-deny.
  if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0)
    errors.push('spec.selector.matchLabels must select the workload');
  // Rules absent = allow nothing (deliberate, for a workload nobody calls); present but empty is a mistake.
  if (spec.rules !== undefined && spec.rules.length === 0)
    errors.push('spec.rules must allow at least one caller (omit it to allow nothing)');
  for (const [i, rule] of (spec.rules ?? []).entries()) {
    if ('when' in rule) errors.push(`spec.rules[${i}]: no "when" conditions`);
    if (rule.from.length === 0) errors.push(`spec.rules[${i}].from must name the callers`);
    for (const f of rule.from) {
      if (f.source.principals.length === 0) errors.push(`spec.rules[${i}]: a source without principals`);
      for (const p of f.source.principals)
        if (p.startsWith('spiffe://') || p.includes('*'))
          errors.push(`spec.rules[${i}]: principal "${p}" must be exact and without spiffe://`);
    }
    for (const t of rule.to ?? [])
      for (const p of t.operation.paths) {
        const why = pathError(p);
        if (why) errors.push(`spec.rules[${i}]: path "${p}" ${why}`);
      }
  }
  return errors;
}

/** Every reason this policy must not be written (empty = valid). Never throws. */
export async function validateAllowPolicy(policy: AllowPolicyManifest): Promise<string[]> {
  return [...allowInvariantErrors(policy), ...(await istioSchemaErrors(policy))];
}
