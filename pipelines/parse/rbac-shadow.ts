/**
 * Istio's dry-run verdict of the ALLOW policies on the receiving workload. For `istio.io/dry-run: "true"`
 * policies, istiod configures the sidecar's RBAC filter with shadow rules and a shadow rules stat prefix:
 * `istio_dry_run_allow_` for ALLOW policies, `istio_dry_run_deny_` for DENY ones. Envoy writes the shadow
 * outcome into the filter's dynamic metadata under `<prefix>shadow_engine_result` ("allowed" | "denied")
 * and `<prefix>shadow_effective_policy_id` (the matched policy; left out when none matched, which for
 * ALLOW rules is exactly a denial). The HTTP filter writes under `envoy.filters.http.rbac`, the network
 * (TCP) filter under `envoy.filters.network.rbac`. A JSON access-log format surfaces it with any of
 *   "rbac_dynamic_metadata": "%DYNAMIC_METADATA(envoy.filters.http.rbac)%"  (the whole object),
 *   "rbac_network_dynamic_metadata": "%DYNAMIC_METADATA(envoy.filters.network.rbac)%"  (TCP), or
 *   "istio_dry_run_allow_shadow_engine_result":
 *       "%DYNAMIC_METADATA(envoy.filters.http.rbac:istio_dry_run_allow_shadow_engine_result)%".
 * Anything else (absent, "-", malformed) reads as no verdict: a shadow result is advisory and never
 * worth rejecting an otherwise valid record.
 */
import type { EnvoyRecord } from './envoy-fields.js';

const RESULT_KEY = 'istio_dry_run_allow_shadow_engine_result';

function verdict(value: unknown): string {
  return value === 'allowed' || value === 'denied' ? value : '';
}

/** The ALLOW verdict in one filter's metadata (an object or its JSON text), '' when none. */
function fromMetadata(md: unknown): string {
  if (md === undefined || md === null || md === '-' || md === '') return '';
  if (typeof md === 'string') {
    if (md.length > 4096 || md[0] !== '{') return '';
    try {
      md = JSON.parse(md) as unknown;
    } catch {
      return '';
    }
  }
  return typeof md === 'object' && md !== null ? verdict((md as Record<string, unknown>)[RESULT_KEY]) : '';
}

/** 'allowed', 'denied', or '' when the record carries no usable shadow verdict. */
export function rbacShadowAllowOf(r: EnvoyRecord): string {
  return (
    verdict(r.istio_dry_run_allow_shadow_engine_result) ||
    fromMetadata(r.rbac_dynamic_metadata) ||
    fromMetadata(r.rbac_network_dynamic_metadata)
  );
}
