/**
 * The scorer's ClusterRole for each mesh covers every call the quarantine responder makes for it, and no
 * more: each mesh's quarantines are decided and released through the real kubernetes sink against the
 * API server stand-in, every request it records is turned into the RBAC verb and resource the API server
 * would authorize, and the role that deploy/ ships for that mesh (the base for Istio and ambient, a
 * Kustomize component under deploy/k8s/mesh/ for the others) must allow each of them. Every kind a mesh
 * writer emits must be in its role, under the plural its released CRD names.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import {
  startApiServerStandIn,
  type ApiServerStandIn,
  type RecordedRequest,
  type StoredObject,
} from '../../helpers/apiserver-stand-in.js';
import type { QuarantineConfig } from '../../../pipelines/responders/quarantine/config.js';
import { MESHES, type MeshName } from '../../../pipelines/responders/quarantine/mesh/resource.js';
import { incident, quarantineConfig } from '../responders/quarantine/fixtures.js';
import { seedObject, standInManager } from '../../helpers/mesh-quarantine.js';

const { writerFor } = await import('../../../pipelines/responders/quarantine/mesh/index.js');

const ROOT = join(import.meta.dirname, '../../..');
const K8S = join(ROOT, 'deploy/k8s');
const CRDS = join(ROOT, 'test/fixtures/crds');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}
interface Access {
  group: string;
  resource: string;
  verb: string;
}

function clusterRoleRules(file: string): Rule[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Record<string, unknown>);
  const role = docs.find((d) => d.kind === 'ClusterRole');
  if (!role) throw new Error(`${file}: no ClusterRole`);
  expect((role.metadata as { name: string }).name).toBe('meshguard-quarantine');
  return role.rules as Rule[];
}

/** The scorer's rules when quarantine.mesh is `mesh`: the base role, or the mesh's component replacing its rules. */
function rulesFor(mesh: MeshName): Rule[] {
  if (mesh === 'istio' || mesh === 'ambient') return clusterRoleRules(join(K8S, 'base/rbac.yaml'));
  const dir = join(K8S, 'mesh', mesh);
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    kind: string;
    patches: Array<{ path: string }>;
  };
  expect(k.kind).toBe('Component');
  const patches = k.patches.map((p) => clusterRoleRules(join(dir, p.path)));
  expect(patches).toHaveLength(1);
  return patches[0]!;
}

const allows = (rules: Rule[], a: Access): boolean =>
  rules.some(
    (r) => r.apiGroups.includes(a.group) && r.resources.includes(a.resource) && r.verbs.includes(a.verb),
  );

/** The plural each released CRD names its kind by (vendored), plus Istio's and Cilium's cluster-wide kind. */
function pluralOfKinds(): Map<string, string> {
  const out = new Map<string, string>([
    ['security.istio.io/AuthorizationPolicy', 'authorizationpolicies'],
    // Same spec as CiliumNetworkPolicy, cluster-scoped (see the vendored file's header).
    ['cilium.io/CiliumClusterwideNetworkPolicy', 'ciliumclusterwidenetworkpolicies'],
  ]);
  for (const f of readdirSync(CRDS).filter((x) => x.endsWith('.yaml'))) {
    const crd = parseYaml(readFileSync(join(CRDS, f), 'utf8')) as {
      spec: { group: string; names: { kind: string; plural: string } };
    };
    out.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd.spec.names.plural);
  }
  return out;
}

/**
 * The verbs and resource the API server authorizes a request by (none for discovery). A server-side
 * apply is a PATCH, authorized as `create` too when it creates the object.
 */
function accessOf(r: RecordedRequest): Access[] {
  const m = /^\/apis\/([^/]+)\/[^/]+\/(?:namespaces\/[^/]+\/)?([^/]+)(?:\/([^/]+))?$/.exec(r.path);
  if (!m) return [];
  const [, group = '', resource = '', name] = m;
  const verb =
    r.method === 'GET'
      ? name === undefined
        ? r.query.watch === 'true'
          ? 'watch'
          : 'list'
        : 'get'
      : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[
          r.method
        ]!;
  const out: Access[] = [{ group, resource, verb }];
  if (verb === 'patch' && r.contentType.includes('apply-patch'))
    out.push({ group, resource, verb: 'create' });
  return out;
}

let api: ApiServerStandIn;
beforeAll(async () => {
  api = await startApiServerStandIn();
});
afterAll(async () => {
  await api.stop();
});
beforeEach(() => {
  api.objects.clear();
  api.requests.length = 0;
});

// Approval and mode as each variant says (the helper's default is enforce).
const manager = (cfg: Partial<QuarantineConfig>) => standInManager(api, cfg);
const seed = (obj: StoredObject) => seedObject(api, obj);

/** What exists before a quarantine, in one of the two states each mesh's writer handles. */
const PRE_EXISTING: Partial<Record<MeshName, StoredObject>> = {
  linkerd: {
    apiVersion: 'policy.linkerd.io/v1beta3',
    kind: 'Server',
    metadata: { name: 'ratings-http', namespace: 'shop' },
    spec: { podSelector: { matchLabels: { app: 'ratings' } }, port: 9080 },
  },
  consul: {
    apiVersion: 'consul.hashicorp.com/v1alpha1',
    kind: 'ServiceIntentions',
    metadata: { name: 'ratings', namespace: 'shop' },
    spec: { destination: { name: 'ratings' }, sources: [{ name: 'web', action: 'allow' }] },
  },
};

const offender = (sa: string) => ({
  namespace: 'shop',
  serviceAccount: sa,
  principal: `spiffe://cluster.local/ns/shop/sa/${sa}`,
});

/** Different offenders, so quarantines overlap: two protecting one server share (merge into) its objects. */
const INCIDENTS = [
  incident({ evidence: { destinations_denied: ['ratings.shop.svc.cluster.local:9080'] } }),
  incident({
    workload: offender('reviews'),
    evidence: { destinations_denied: ['ratings.shop.svc.cluster.local:9080'] },
  }),
  incident({
    kind: 'lateral_movement',
    workload: offender('cart'),
    evidence: { new_destinations: ['ratings.shop.svc.cluster.local', 'ledger.payments.svc.cluster.local'] },
  }),
  incident({
    kind: 'exfiltration',
    workload: offender('checkout'),
    evidence: { external_host: 'paste.example.com', podLabels: { app: 'checkout' } },
  }),
];

/** Every request one mesh's responder makes: each incident kind, fresh and over what exists, both modes. */
async function accessesOf(mesh: MeshName): Promise<Access[]> {
  const seen: Access[] = [];
  const variants: Array<Partial<QuarantineConfig>> = [
    { mesh, mode: 'enforce' },
    { mesh, mode: 'dry-run' },
  ];
  if (mesh === 'linkerd') {
    const base = quarantineConfig().linkerd;
    variants.push({ mesh, mode: 'enforce', linkerd: { ...base, probe_networks: ['10.0.0.0/16'] } });
  }
  if (mesh === 'cilium') {
    const base = quarantineConfig().cilium;
    variants.push({ mesh, mode: 'enforce', cilium: { ...base, clusterwide: true } });
    variants.push({ mesh, mode: 'dry-run', cilium: { ...base, policy_audit_mode: true } });
  }
  for (const cfg of variants)
    for (const existing of [false, true]) {
      api.objects.clear();
      api.requests.length = 0;
      const before = PRE_EXISTING[mesh];
      if (existing && before) seed(before);
      const m = manager(cfg);
      const policies: string[] = [];
      for (const i of INCIDENTS) {
        const action = await m.decide({ ...i, id: `${i.id}-${String(cfg.mode)}-${existing}` });
        if (action.type === 'quarantine') policies.push(action.policy!);
      }
      expect(policies.length, `${mesh} ${String(cfg.mode)}`).toBeGreaterThan(0);
      await m.sinkPolicies();
      for (const p of policies) await m.release(p, 'alice', 'done');
      for (const r of api.requests) seen.push(...accessOf(r));
    }
  return seen;
}

const plurals = pluralOfKinds();

describe('deploy RBAC covers what each mesh writer does', () => {
  it('ships a role for every mesh meshguard can quarantine in', () => {
    for (const mesh of MESHES) expect(rulesFor(mesh).length, mesh).toBeGreaterThan(0);
  });

  describe.each([...MESHES])('quarantine.mesh: %s', (mesh) => {
    it('grants every kind the writer emits, under its CRD plural', () => {
      const rules = rulesFor(mesh);
      for (const k of writerFor(mesh).kinds) {
        const group = k.apiVersion.split('/')[0]!;
        const plural = plurals.get(`${group}/${k.kind}`);
        expect(plural, `${group}/${k.kind}: no vendored CRD`).toBeDefined();
        // Whatever the mesh: its policies are listed (what meshguard owns), created and deleted on release.
        for (const verb of ['list', 'create', 'delete'])
          expect(allows(rules, { group, resource: plural!, verb }), `${verb} ${plural}.${group}`).toBe(true);
      }
    });

    it('allows every request the responder makes (decide and release, each incident kind, both modes)', async () => {
      const seen = await accessesOf(mesh);
      expect(seen.length).toBeGreaterThan(0);
      const rules = rulesFor(mesh);
      const denied = seen.filter((a) => !allows(rules, a));
      expect(
        [...new Set(denied.map((a) => `${a.verb} ${a.resource}.${a.group}`))],
        'requests the API server would refuse (403)',
      ).toEqual([]);
      // Least privilege: nothing outside the writer's own API groups, and in a mesh's own role no verb
      // the responder never uses.
      const groups = new Set(writerFor(mesh).kinds.map((k) => k.apiVersion.split('/')[0]!));
      for (const r of rules) for (const g of r.apiGroups) expect(groups.has(g), g).toBe(true);
      if (mesh === 'istio' || mesh === 'ambient') return;
      const used = new Set(seen.map((a) => `${a.verb} ${a.resource}.${a.group}`));
      for (const r of rules)
        for (const g of r.apiGroups)
          for (const res of r.resources)
            for (const verb of r.verbs)
              expect(used.has(`${verb} ${res}.${g}`), `${verb} ${res}.${g}`).toBe(true);
    }, 30_000);
  });
});
