/**
 * How connection-level records (ztunnel, Hubble, Consul's TCP proxies) are put into the MeshEvent fields
 * the detectors already read: a refused or failed connection gets the Envoy response flag it would have
 * had behind a sidecar, and a connection refused by policy reads like Envoy's RBAC denial, so the
 * unauthorized-access detectors count it as they count a 403.
 */

/** Prefix the window features treat as a denial (as Envoy's `rbac_access_denied_matched_policy[...]`). */
export const POLICY_DENIED = 'rbac_access_denied';

/** A policy denial at L4: `rbac_access_denied_by_<enforcer>: <reason>`. */
export function policyDenied(enforcer: string, reason: string): string {
  return reason === '' ? `${POLICY_DENIED}_by_${enforcer}` : `${POLICY_DENIED}_by_${enforcer}: ${reason}`;
}

/**
 * The Envoy response flag for a connection error text: UF (upstream connection failure: refused, reset
 * before connect, unreachable), UT (timeout), UH (no healthy upstream / no endpoint), UC (closed midway).
 */
export function failureFlag(error: string): string {
  const e = error.toLowerCase();
  if (e.includes('no healthy') || e.includes('no valid routing') || e.includes('unknown waypoint'))
    return 'UH';
  if (e.includes('timed out') || e.includes('timeout') || e.includes('deadline')) return 'UT';
  if (
    e.includes('refused') ||
    e.includes('unreachable') ||
    e.includes('no route to host') ||
    e.includes('certificate') ||
    e.includes('handshake') ||
    e.includes('connect')
  )
    return 'UF';
  return 'UC';
}

/**
 * A duration as Rust/Go print it (`15ms`, `1.5s`, `250us`, `2m3s` is not produced by either) → whole
 * milliseconds, or -1 when it is not one.
 */
export function durationMs(v: unknown): number {
  if (typeof v === 'number') return v >= 0 && Number.isFinite(v) ? Math.round(v) : -1;
  if (typeof v !== 'string' || v === '') return -1;
  const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s)$/.exec(v);
  if (m === null) return -1;
  const x = Number(m[1]);
  switch (m[2]) {
    case 'ns':
      return Math.round(x / 1e6);
    case 'us':
    case 'µs':
      return Math.round(x / 1e3);
    case 'ms':
      return Math.round(x);
    default:
      return Math.round(x * 1000);
  }
}
