/**
 * Istio's dry-run verdict of the ALLOW policies on the receiving workload. With an
 * `istio.io/dry-run: "true"` policy, Istio configures the sidecar's RBAC filter with shadow rules
 * (stat prefix `istio_dry_run_allow_`), and Envoy writes the shadow outcome to the filter's dynamic
 * metadata: `istio_dry_run_allow_shadow_engine_result` ("allowed" | "denied") and
 * `istio_dry_run_allow_shadow_effective_policy_id` (the matched rule; empty when nothing matched, which
 * is exactly an ALLOW denial). A JSON access-log format surfaces it with either
 *   "rbac_dynamic_metadata": "%DYNAMIC_METADATA(envoy.filters.http.rbac)%"  (the whole object), or
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

/** 'allowed', 'denied', or '' when the record carries no usable shadow verdict. */
export function rbacShadowAllowOf(r: EnvoyRecord): string {
  const direct = verdict(r.istio_dry_run_allow_shadow_engine_result);
  if (direct) return direct;
  let md = r.rbac_dynamic_metadata;
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
