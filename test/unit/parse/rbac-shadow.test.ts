import { describe, expect, it } from 'vitest';
import { parseOne } from './fixtures.js';

const base = {
  start_time: '2026-03-02T10:00:00.000Z',
  method: 'GET',
  path: '/api/orders/1',
  response_code: 200,
  upstream_cluster: 'inbound|8080||',
  downstream_remote_address: '10.0.0.7:51234',
};
const line = (extra: Record<string, unknown>): string => JSON.stringify({ ...base, ...extra });

describe("Istio's dry-run (shadow) verdict of ALLOW policies", () => {
  it('reads it from the RBAC filter metadata, as an object or as JSON text', () => {
    const md = {
      istio_dry_run_allow_shadow_effective_policy_id: '',
      istio_dry_run_allow_shadow_engine_result: 'denied',
    };
    expect(parseOne(line({ rbac_dynamic_metadata: md })).rbacShadowAllow).toBe('denied');
    expect(parseOne(line({ rbac_dynamic_metadata: JSON.stringify(md) })).rbacShadowAllow).toBe('denied');
  });

  it('reads the TCP verdict of the network RBAC filter (envoy.filters.network.rbac)', () => {
    const md = { istio_dry_run_allow_shadow_engine_result: 'denied' };
    const tcp = { ...base, method: undefined, path: undefined, rbac_dynamic_metadata: '-' };
    expect(parseOne(JSON.stringify({ ...tcp, rbac_network_dynamic_metadata: md })).rbacShadowAllow).toBe(
      'denied',
    );
  });

  it('reads the ALLOW verdict, not the DENY one logged beside it', () => {
    const md = {
      istio_dry_run_deny_shadow_engine_result: 'denied',
      istio_dry_run_deny_shadow_effective_policy_id: 'ns[shop]-policy[meshguard-quarantine-x]-rule[0]',
      istio_dry_run_allow_shadow_engine_result: 'allowed',
      istio_dry_run_allow_shadow_effective_policy_id: 'ns[shop]-policy[meshguard-allow-orders]-rule[0]',
    };
    expect(parseOne(line({ rbac_dynamic_metadata: md })).rbacShadowAllow).toBe('allowed');
  });

  it('reads the single key logged with %DYNAMIC_METADATA(envoy.filters.http.rbac:<key>)%', () => {
    expect(parseOne(line({ istio_dry_run_allow_shadow_engine_result: 'allowed' })).rbacShadowAllow).toBe(
      'allowed',
    );
  });

  it('treats absent or malformed metadata as no verdict without losing the record', () => {
    for (const v of ['-', '{not json', 42, { istio_dry_run_allow_shadow_engine_result: 'maybe' }, null]) {
      const e = parseOne(line({ rbac_dynamic_metadata: v }));
      expect(e.rbacShadowAllow).toBe('');
      expect(e.path).toBe('/api/orders/1');
    }
    expect(parseOne(line({})).rbacShadowAllow).toBe('');
  });
});
