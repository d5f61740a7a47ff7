/**
 * Istio ambient and Cilium quarantines through the GitOps sink: ambient is an L4-only DENY by principal
 * (ztunnel), said to close open connections; Cilium is egressDeny from the offender's identity labels
 * and ingressDeny in its targets, audit mode only where the agents run it. Objects are validated against
 * Istio's schema (ambient) and Cilium's CRD; release removes exactly what was added.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { GitOpsSink, QuarantineManager } from '../../../../pipelines/responders/quarantine/index.js';
import type { QuarantineConfig } from '../../../../pipelines/responders/quarantine/config.js';
import type { MeshResource } from '../../../../pipelines/responders/quarantine/mesh/resource.js';
import { crdErrors } from '../../../helpers/crd-schema.js';
import { ADMIN_URL, FakeClock, incident, quarantineConfig, settings } from './fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshguard-l4-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function manager(cfg: Partial<QuarantineConfig>) {
  return new QuarantineManager({
    cfg: quarantineConfig({ approval_below_severity: 'low', ...cfg }),
    settings: settings(new FakeClock()),
    sink: new GitOpsSink(dir),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
  });
}

/** Every YAML under the directory, by relative path (suggestions included). */
async function tree(): Promise<Record<string, MeshResource>> {
  const out: Record<string, MeshResource> = {};
  for (const folder of (await readdir(dir)).sort())
    for (const f of (await readdir(join(dir, folder))).sort())
      out[`${folder}/${f}`] = parse(await readFile(join(dir, folder, f), 'utf8')) as MeshResource;
  return out;
}

const LATERAL = {
  new_destinations: ['ledger.payments.svc.cluster.local', 'users.identity.svc.cluster.local'],
};

describe('ambient quarantine', () => {
  it('writes an L4-only DENY by principal, says ztunnel closes open connections, and releases it', async () => {
    const m = manager({ mesh: 'ambient', mode: 'enforce' });
    const action = await m.decide(incident({ kind: 'lateral_movement', evidence: LATERAL }));
    expect(action.reason).toMatch(/closes open connections/);
    expect(action.notEnforced?.join(' ')).toMatch(/ztunnel .* closes connections already open/);
    expect(action.notEnforced?.join(' ')).toMatch(/L7 rules belong on a waypoint \(targetRefs\)/);
    const written = await tree();
    expect(Object.keys(written)).toEqual([
      `identity/${action.policy}.yaml`,
      `payments/${action.policy}.yaml`,
    ]);
    for (const p of Object.values(written)) {
      expect(() => new AuthorizationPolicy(p as never).validate()).not.toThrow();
      expect(p.spec).toEqual({
        action: 'DENY',
        rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'] } }] }],
      });
    }
    await m.release(action.policy!, 'alice', 'done');
    expect(await tree()).toEqual({});
  });

  it('dry-run marks istio.io/dry-run and says which istiod keeps it from ztunnel; egress gets a NetworkPolicy suggestion', async () => {
    const m = manager({ mesh: 'ambient', mode: 'dry-run' });
    const action = await m.decide(
      incident({
        kind: 'exfiltration',
        evidence: { external_host: 'paste.example.com', podLabels: { app: 'frontend' } },
      }),
    );
    expect(action.notEnforced?.join(' ')).toMatch(/Istio 1\.25 or later/);
    expect(action.notEnforced?.join(' ')).toMatch(/egress could not be enforced by ztunnel/);
    const written = await tree();
    expect(Object.keys(written)).toEqual([
      `istio-system/${action.policy}.yaml`,
      `shop/${action.policy}-egress.networkpolicy.yaml.suggested`,
    ]);
    expect(written[`istio-system/${action.policy}.yaml`]!.metadata.annotations?.['istio.io/dry-run']).toBe(
      'true',
    );
  });
});

describe('cilium quarantine', () => {
  it('enforce: egressDeny from the offender identity, ingressDeny in its targets, valid against the CRD; release removes exactly those', async () => {
    await mkdir(join(dir, 'shop'), { recursive: true });
    await writeFile(
      join(dir, 'shop', 'team-policy.ciliumnetworkpolicy.yaml'),
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: team-policy, namespace: shop}\nspec: {}\n',
    );
    const m = manager({ mesh: 'cilium', mode: 'enforce' });
    const action = await m.decide(incident({ kind: 'lateral_movement', evidence: LATERAL }));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce' });
    const written = await tree();
    const id = action.policy!;
    expect(Object.keys(written)).toEqual([
      `identity/${id}-ingress.ciliumnetworkpolicy.yaml`,
      `payments/${id}-ingress.ciliumnetworkpolicy.yaml`,
      `shop/${id}.ciliumnetworkpolicy.yaml`,
      'shop/team-policy.ciliumnetworkpolicy.yaml',
    ]);
    const egress = written[`shop/${id}.ciliumnetworkpolicy.yaml`]!;
    expect(egress.spec).toEqual({
      description: 'meshguard quarantine of cluster.local/ns/shop/sa/frontend',
      endpointSelector: { matchLabels: { 'io.cilium.k8s.policy.serviceaccount': 'frontend' } },
      egressDeny: [
        {
          toEndpoints: [
            { matchLabels: { 'io.kubernetes.pod.namespace': 'identity' } },
            { matchLabels: { 'io.kubernetes.pod.namespace': 'payments' } },
          ],
        },
      ],
    });
    expect(written[`payments/${id}-ingress.ciliumnetworkpolicy.yaml`]!.spec).toMatchObject({
      endpointSelector: {},
      ingressDeny: [
        {
          fromEndpoints: [
            {
              matchLabels: {
                'io.cilium.k8s.policy.serviceaccount': 'frontend',
                'io.kubernetes.pod.namespace': 'shop',
              },
            },
          ],
        },
      ],
    });
    for (const [path, obj] of Object.entries(written))
      if (path.includes(id)) expect(crdErrors(obj), path).toEqual([]);
    await m.release(id, 'alice', 'done');
    expect(Object.keys(await tree())).toEqual(['shop/team-policy.ciliumnetworkpolicy.yaml']);
  });

  it('exfiltration: egressDeny to the address, or to world when only a host name is known (no toFQDNs in deny rules)', async () => {
    const m = manager({
      mesh: 'cilium',
      mode: 'enforce',
      cilium: { clusterwide: true, policy_audit_mode: false },
    });
    const byAddress = await m.decide(
      incident({ kind: 'exfiltration', evidence: { external_host: '203.0.113.9:443' } }),
    );
    const cnp = (await tree())[`_cluster/${byAddress.policy}.ciliumclusterwidenetworkpolicy.yaml`]!;
    expect(cnp.kind).toBe('CiliumClusterwideNetworkPolicy');
    expect(cnp.spec).toMatchObject({
      endpointSelector: {
        matchLabels: {
          'io.cilium.k8s.policy.serviceaccount': 'frontend',
          'io.kubernetes.pod.namespace': 'shop',
        },
      },
      egressDeny: [{ toCIDR: ['203.0.113.9/32'] }],
    });
    expect(crdErrors(cnp)).toEqual([]);
    const other = {
      namespace: 'batch',
      serviceAccount: 'etl',
      principal: 'spiffe://cluster.local/ns/batch/sa/etl',
    };
    const byHost = await m.decide(
      incident({ kind: 'exfiltration', workload: other, evidence: { external_host: 'paste.example.com' } }),
    );
    expect(byHost.notEnforced?.join(' ')).toMatch(/do not support toFQDNs/);
    const world = (await tree())[`_cluster/${byHost.policy}.ciliumclusterwidenetworkpolicy.yaml`]!;
    expect(world.spec).toMatchObject({ egressDeny: [{ toEntities: ['world'] }] });
    expect(crdErrors(world)).toEqual([]);
  });

  it('dry-run without policy audit mode only suggests; with it, applies and says so', async () => {
    const suggestOnly = manager({ mesh: 'cilium', mode: 'dry-run' });
    const a = await suggestOnly.decide(incident({ kind: 'lateral_movement', evidence: LATERAL }));
    expect(a.notEnforced?.join(' ')).toMatch(/policy-audit-mode/);
    expect(Object.keys(await tree()).every((p) => p.endsWith('.suggested'))).toBe(true);
    await suggestOnly.release(a.policy!, 'alice', 'done');
    expect(Object.keys(await tree())).toEqual([]);

    const audited = manager({
      mesh: 'cilium',
      mode: 'dry-run',
      cilium: { clusterwide: false, policy_audit_mode: true },
    });
    const b = await audited.decide(
      incident({ kind: 'lateral_movement', evidence: LATERAL, id: 'inc-audit' }),
    );
    expect(b.reason).toMatch(/policy audit mode/);
    expect(Object.keys(await tree()).some((p) => p.endsWith('.ciliumnetworkpolicy.yaml'))).toBe(true);
  });
});
