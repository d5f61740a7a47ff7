import { describe, expect, it } from 'vitest';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IncidentKind } from '../../../../pipelines/core/incident.js';
import {
  buildQuarantinePlan,
  describeOffender,
  targetNamespacesOf,
  type AuthorizationPolicyManifest,
  type Offender,
} from '../../../../pipelines/responders/quarantine/policy.js';
import { protectedReason } from '../../../../pipelines/responders/quarantine/guardrails.js';
import { invariantErrors, validatePolicy } from '../../../../pipelines/responders/quarantine/validate.js';
import { ADMIN_URL, FRONTEND, T0, incident, quarantineConfig } from './fixtures.js';

const KINDS: IncidentKind[] = [
  'unauthorized_access',
  'exfiltration',
  'lateral_movement',
  'scanning',
  'anomaly',
];

function offenderOf(workload = FRONTEND): Offender {
  const r = describeOffender(workload, 'cluster.local');
  if (!r.ok) throw new Error(r.error);
  return r.offender;
}

function plan(
  opts: Parameters<typeof incident>[0] = {},
  cfg = quarantineConfig(),
  applyMode: 'dry-run' | 'enforce' = 'enforce',
) {
  const inc = incident(opts);
  return buildQuarantinePlan({
    incident: inc,
    offender: offenderOf(inc.workload),
    cfg,
    applyMode,
    nowMs: T0,
    adminUrl: ADMIN_URL,
  });
}

/** Every key anywhere in the object. */
function allKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => allKeys(v, out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      allKeys(v, out);
    }
  return out;
}

describe('quarantine policy builder', () => {
  it.each(KINDS)('builds a DENY, L4-only, schema-valid policy for %s', async (kind) => {
    const p = plan({ kind });
    expect(p.policies.length).toBeGreaterThanOrEqual(1);
    for (const policy of p.policies) {
      expect(policy.apiVersion).toBe('security.istio.io/v1');
      expect(policy.kind).toBe('AuthorizationPolicy');
      expect(policy.spec.action).toBe('DENY');
      expect(policy.spec.rules).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] },
      ]);
      // No L7 fields anywhere: they would deny whole TCP ports, or everything under ambient without a waypoint.
      const keys = allKeys(policy.spec);
      for (const l7 of ['to', 'when', 'operation', 'methods', 'paths', 'hosts', 'ports', 'requestPrincipals'])
        expect(keys.has(l7), `${l7} in ${policy.metadata.name}`).toBe(false);
      expect(JSON.stringify(policy)).not.toContain('spiffe://');
      expect(JSON.stringify(policy)).not.toContain('ALLOW');
      // Istio's own CRD schema accepts it.
      expect(() => new AuthorizationPolicy(structuredClone(policy) as never).validate()).not.toThrow();
      expect(await validatePolicy(policy)).toEqual([]);
    }
  });

  it('names policies deterministically, DNS-1123, from the kind and a hash of the offender', () => {
    const a = plan({ kind: 'lateral_movement' });
    const b = plan({ kind: 'lateral_movement', id: 'another-incident' });
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^meshguard-quarantine-lateral-movement-[0-9a-f]{8}$/);
    expect(a.id.length).toBeLessThanOrEqual(63);
    const other = plan({
      kind: 'lateral_movement',
      workload: {
        namespace: 'shop',
        serviceAccount: 'cart',
        principal: 'spiffe://cluster.local/ns/shop/sa/cart',
      },
    });
    expect(other.id).not.toBe(a.id);
  });

  it('labels and annotates the policy so it is findable, explained, expiring and undoable', () => {
    const p = plan({ kind: 'scanning', id: 'inc-42' });
    const meta = p.policies[0]!.metadata;
    expect(meta.namespace).toBe('istio-system'); // mesh-wide from the root namespace by default
    expect(meta.labels['app.kubernetes.io/managed-by']).toBe('meshguard');
    expect(meta.labels['meshguard.io/incident-kind']).toBe('scanning');
    expect(meta.labels['meshguard.io/offender-hash']).toMatch(/^[0-9a-f]{8}$/);
    expect(meta.annotations['meshguard.io/incident-id']).toBe('inc-42');
    expect(meta.annotations['meshguard.io/expires-at']).toBe(new Date(T0 + 3600_000).toISOString());
    expect(meta.annotations['meshguard.io/reason']).toMatch(
      /^scanning by cluster\.local\/ns\/shop\/sa\/frontend .*\.$/,
    );
    expect(meta.annotations['meshguard.io/reason']!.split('. ').length).toBe(1); // one sentence
    expect(meta.annotations['meshguard.io/undo']).toBe(
      `kubectl delete authorizationpolicy -n istio-system ${p.id} (or through meshguard: ` +
        `curl -X POST -H "Authorization: Bearer $TOKEN" ${ADMIN_URL}/api/quarantines/${p.id}/release)`,
    );
    expect(meta.annotations['istio.io/dry-run']).toBeUndefined();
  });

  it('marks dry-run policies with istio.io/dry-run: "true"', () => {
    const p = plan({}, quarantineConfig(), 'dry-run');
    expect(p.policies[0]!.metadata.annotations['istio.io/dry-run']).toBe('true');
  });

  it('falls back to the pod IP when the offender has no principal, and says it is ephemeral', async () => {
    const p = plan({ workload: { address: '10.8.0.15' } });
    expect(p.policies[0]!.spec.rules).toEqual([{ from: [{ source: { ipBlocks: ['10.8.0.15/32'] } }] }]);
    expect(p.notEnforced.join(' ')).toMatch(/ephemeral/);
    expect(await validatePolicy(p.policies[0]!)).toEqual([]);
    const v6 = plan({ workload: { address: 'fd00::15' } });
    expect(v6.policies[0]!.spec.rules[0]!.from[0]!.source.ipBlocks).toEqual(['fd00::15/128']);
  });

  it('scopes the policy inbound to the attacked namespaces when the evidence names them', () => {
    const p = plan({
      kind: 'lateral_movement',
      evidence: {
        findings: [
          {
            new_destinations: [
              'payments.billing.svc.cluster.local',
              'ledger.finance.svc.cluster.local:8080',
              '52.1.2.3',
            ],
          },
        ],
      },
    });
    expect(p.scope).toBe('namespaces');
    expect(p.policies.map((x) => x.metadata.namespace)).toEqual(['billing', 'finance']);
    expect(p.policies.every((x) => x.spec.selector === undefined)).toBe(true);
    expect(p.undo).toContain('kubectl delete authorizationpolicy -n billing');
    expect(p.undo).toContain('kubectl delete authorizationpolicy -n finance');
  });

  it('stays mesh-wide when the evidence names only external hosts or the API server', () => {
    expect(
      targetNamespacesOf({
        sensitive_destinations: ['kubernetes.default.svc'],
        destinations: ['evil.example.com', 'kubernetes.default.svc.cluster.local'],
      }),
    ).toEqual([]);
    expect(plan({ evidence: { destinations: ['evil.example.com'] } }).scope).toBe('mesh-wide');
  });

  it('for exfiltration also denies the offender on the egress gateway', () => {
    const p = plan({ kind: 'exfiltration' });
    expect(p.policies).toHaveLength(2);
    const egress = p.policies[1]!;
    expect(egress.metadata.namespace).toBe('istio-system');
    expect(egress.metadata.name).toBe(`${p.id}-egress`);
    expect(egress.spec.selector).toEqual({ matchLabels: { istio: 'egressgateway' } });
    expect(egress.spec.rules[0]!.from[0]!.source.principals).toEqual(['cluster.local/ns/shop/sa/frontend']);
    expect(p.notEnforced).toEqual([]);
    expect(p.suggestions).toEqual([]);
  });

  it('without an egress gateway says egress is not enforced and suggests a NetworkPolicy', () => {
    const cfg = quarantineConfig({
      egress_gateway: { enabled: false, namespace: 'istio-system', selector: { istio: 'egressgateway' } },
    });
    const p = plan(
      { kind: 'exfiltration', evidence: { podLabels: { app: 'frontend', version: 'v2' } } },
      cfg,
    );
    expect(p.policies).toHaveLength(1);
    expect(p.notEnforced.join(' ')).toMatch(/egress could not be enforced by Istio.*NetworkPolicy/);
    expect(p.suggestions).toHaveLength(1);
    const np = p.suggestions[0]!;
    expect(np.kind).toBe('NetworkPolicy');
    expect(np.metadata.namespace).toBe('shop');
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { app: 'frontend', version: 'v2' } },
      policyTypes: ['Egress'],
      egress: [],
    });

    const noLabels = plan({ kind: 'exfiltration' }, cfg);
    expect(noLabels.suggestions).toEqual([]);
    expect(noLabels.notEnforced.join(' ')).toMatch(/no NetworkPolicy suggested/);
  });

  it('builds the principal from namespace and service account when the incident has none', () => {
    const r = describeOffender({ namespace: 'shop', serviceAccount: 'cart', principal: '' }, 'example.org');
    expect(r.ok && r.offender.principal).toBe('example.org/ns/shop/sa/cart');
  });

  it('refuses offenders a policy cannot match safely instead of throwing', () => {
    expect(describeOffender({ address: 'not-an-ip' }, 'cluster.local').ok).toBe(false);
    expect(
      describeOffender(
        { namespace: 'shop', serviceAccount: 'x', principal: 'spiffe://cluster.local/ns/shop/sa/*' },
        'cluster.local',
      ).ok,
    ).toBe(false);
    expect(describeOffender(null as never, 'cluster.local').ok).toBe(false);
  });

  it('knows the protected namespaces and principals', () => {
    const cfg = quarantineConfig({
      protected_namespaces: ['payments'],
      protected_principals: ['spiffe://cluster.local/ns/shop/sa/frontend'],
    });
    const ns = (namespace: string) =>
      offenderOf({
        namespace,
        serviceAccount: 'x',
        principal: `spiffe://cluster.local/ns/${namespace}/sa/x`,
      });
    expect(protectedReason(ns('kube-system'), cfg)).toMatch(/protected/);
    expect(protectedReason(ns('istio-system'), cfg)).toMatch(/protected/);
    expect(protectedReason(ns('meshguard'), cfg)).toMatch(/protected/); // own namespace, built in
    expect(protectedReason(ns('payments'), cfg)).toMatch(/protected/);
    expect(protectedReason(offenderOf(), cfg)).toMatch(/protected_principals/);
    expect(protectedReason(ns('shop'), quarantineConfig())).toBeUndefined();
  });
});

describe('policy validation', () => {
  const good = (): AuthorizationPolicyManifest => structuredClone(plan().policies[0]!);

  it('rejects an ALLOW, L7 fields, spiffe:// principals and empty rules', async () => {
    const allow = good();
    (allow.spec as { action: string }).action = 'ALLOW';
    expect(invariantErrors(allow).join()).toMatch(/DENY/);

    const l7 = good();
    (l7.spec.rules[0] as Record<string, unknown>).to = [{ operation: { paths: ['/admin'] } }];
    expect(invariantErrors(l7).join()).toMatch(/only L4/);

    const spiffe = good();
    spiffe.spec.rules[0]!.from[0]!.source.principals = ['spiffe://cluster.local/ns/shop/sa/frontend'];
    expect(invariantErrors(spiffe).join()).toMatch(/spiffe/);

    const empty = good();
    empty.spec.rules = [];
    expect(invariantErrors(empty).join()).toMatch(/at least one rule/);
  });

  it('reports Istio schema violations', async () => {
    const bad = good();
    (bad.spec.rules[0]!.from[0]!.source as Record<string, unknown>).principals =
      'cluster.local/ns/shop/sa/frontend';
    expect((await validatePolicy(bad)).join()).toMatch(/Istio schema/);
  });

  it('rejects names that are not DNS-1123', () => {
    const bad = good();
    bad.metadata.namespace = 'Istio_System';
    expect(invariantErrors(bad).join()).toMatch(/DNS-1123/);
  });
});
