/** Istio with sidecars: the DENY AuthorizationPolicies of policy.ts, each meshguard's own. */
import { buildQuarantinePlan, type QuarantinePlan } from '../policy.js';
import { invariantErrors } from '../validate.js';
import type { AuthorizationPolicyManifest } from '../policy.js';
import type { MeshPlan, MeshPolicyWriter, WriterInput } from './writer.js';
import type { MeshResource } from './resource.js';

export const ISTIO_KINDS = [{ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' }];

export function meshPlanOf(plan: QuarantinePlan): MeshPlan {
  return { ...plan, changes: plan.policies.map(() => ({ op: 'create' as const })) };
}

export function istioPlan(input: WriterInput, overrides: Partial<WriterInput['cfg']> = {}): QuarantinePlan {
  return buildQuarantinePlan({
    incident: input.incident,
    offender: input.offender,
    cfg: { ...input.cfg, ...overrides },
    applyMode: input.applyMode,
    nowMs: input.nowMs,
    adminUrl: input.adminUrl,
    nameKind: input.nameKind,
  });
}

export const istioWriter: MeshPolicyWriter = {
  mesh: 'istio',
  kinds: ISTIO_KINDS,
  async plan(input) {
    return meshPlanOf(istioPlan(input));
  },
  invariantErrors(resource: MeshResource) {
    return invariantErrors(resource as AuthorizationPolicyManifest);
  },
  appliedText(mode) {
    return mode === 'dry-run'
      ? 'applied in dry-run (Istio logs, does not enforce)'
      : 'applied (enforcement follows as proxies receive it)';
  },
};
