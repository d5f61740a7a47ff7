/**
 * Istio ambient mode: the same L4 DENY by `source.principals`, enforced by ztunnel on the destination's
 * node. Ambient facts that shape it:
 * - ztunnel enforces L4 only. A DENY carrying HTTP fields is enforced by ztunnel without its HTTP parts,
 *   so it would drop everything from the source: meshguard writes `from.source` only (validate.ts).
 *   L7 rules belong on a waypoint, bound with `targetRefs`; a quarantine needs none.
 * - ztunnel closes open connections that a new policy forbids: containment is immediate.
 * - Dry-run (`istio.io/dry-run`): istiod 1.25+ does not send dry-run policies to ztunnel (newer ztunnels
 *   log their matches at debug level); an older istiod would send them, and ztunnel would enforce them.
 * - Egress leaves through an egress waypoint when there is one, not a sidecar egress gateway: the DENY
 *   at the egress gateway is not written; a NetworkPolicy is suggested instead.
 */
import { DRY_RUN_ANNOTATION } from '../policy.js';
import { istioPlan, ISTIO_KINDS, istioWriter, meshPlanOf } from './istio.js';
import type { MeshPolicyWriter } from './writer.js';

export const ZTUNNEL_CLOSES =
  'ambient: ztunnel enforces this DENY at L4 (source.principals) on the destination node and closes connections already open that it now forbids';
export const NO_L7 =
  'ambient: no HTTP rules are written — ztunnel would enforce a DENY without its HTTP parts and drop everything from the source; L7 rules belong on a waypoint (targetRefs)';
export const AMBIENT_DRY_RUN =
  'ambient dry-run needs Istio 1.25 or later: older istiod sends dry-run policies to ztunnel, which enforces them';

export const ambientWriter: MeshPolicyWriter = {
  mesh: 'ambient',
  kinds: ISTIO_KINDS,
  async plan(input) {
    const plan = meshPlanOf(
      istioPlan(input, { egress_gateway: { ...input.cfg.egress_gateway, enabled: false } }),
    );
    // Ambient has no sidecar egress gateway: say what the egress path needs in ambient terms.
    plan.notEnforced = plan.notEnforced.map((n) =>
      n.startsWith('egress could not be enforced by Istio')
        ? 'egress could not be enforced by ztunnel: it enforces inbound at the destination, and an external host has none; ' +
          'bind the host (ServiceEntry) to an egress waypoint and deny there with targetRefs, or apply the suggested NetworkPolicy'
        : n,
    );
    plan.notEnforced.push(ZTUNNEL_CLOSES, NO_L7);
    if (plan.policies.some((p) => p.metadata.annotations?.[DRY_RUN_ANNOTATION] === 'true'))
      plan.notEnforced.push(AMBIENT_DRY_RUN);
    return plan;
  },
  invariantErrors: istioWriter.invariantErrors,
  appliedText(mode) {
    return mode === 'dry-run'
      ? 'applied in dry-run (istiod 1.25+ keeps it from ztunnel; nothing is enforced)'
      : 'applied (ztunnel enforces it as it receives it and closes open connections it forbids)';
  },
};
