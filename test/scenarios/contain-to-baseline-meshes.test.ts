/**
 * Graduated containment on Linkerd (Kubernetes API stand-in) and Consul (Consul HTTP stand-in): a medium
 * lateral-movement offender keeps its learned destinations and is refused at every other one the call
 * graph knows. The objects written are evaluated with each mesh's authorization semantics (Linkerd: a
 * Server makes its port default-deny and authorizations are a union; Consul: the most precise intention
 * wins, exact source and destination 9, `*` source 8, `*` destination 6, both `*` 5), validated against
 * the vendored CRDs, and released exactly.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import {
  ConsulSink,
  ObservedCallGraph,
  QuarantineManager,
  type PolicySink,
  type QuarantineConfig,
} from '../../pipelines/responders/quarantine/index.js';
import { linkerdIdentity } from '../../pipelines/responders/quarantine/mesh/linkerd.js';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
  type StoredObject,
} from '../helpers/apiserver-stand-in.js';
import { ConsulStandIn, type ConsulEntry } from '../helpers/consul-stand-in.js';
import { crdErrors } from '../helpers/crd-schema.js';
import { ev, principalOf } from '../helpers/events.js';
import {
  ADMIN_URL,
  FakeClock,
  T0,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');
const { writerFor } = await import('../../pipelines/responders/quarantine/mesh/index.js');

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const ADMIN = principalOf('ops', 'admin');
const MINUTE = 60_000;
const ATTACK = T0 - 2 * MINUTE;

/** [caller, namespace, workload] called normally; web's baseline is shop/cart and shop/catalog. */
const NORMAL: Array<[string, string, string]> = [
  [WEB, 'shop', 'cart'],
  [WEB, 'shop', 'catalog'],
  [CART, 'shop', 'orders'],
  [CART, 'payments', 'ledger'],
  [ADMIN, 'identity', 'users'],
];
/** What web reaches for once compromised. */
const LATERAL: Array<[string, string]> = [
  ['shop', 'orders'],
  ['payments', 'ledger'],
];

const call = (src: string, ns: string, app: string, timeMs: number): MeshEvent =>
  ev({
    timeMs,
    src,
    dstNamespace: ns,
    dst: `${app}.${ns}.svc.cluster.local`,
    podLabels: { app, 'pod-template-hash': 'abc123' },
    upstreamCluster: 'inbound|8080||',
  });

function learned(): { graph: CallGraph; callers: ObservedCallGraph } {
  const graph = new CallGraph();
  const callers = new ObservedCallGraph();
  for (let t = T0 - 60 * MINUTE; t < T0; t += 10_000) {
    const calls = NORMAL.map(([src, ns, app]) => call(src, ns, app, t));
    if (t >= ATTACK) calls.push(...LATERAL.map(([ns, app]) => call(WEB, ns, app, t + 1)));
    for (const e of calls) {
      graph.observe(e);
      callers.observe(e);
    }
  }
  return { graph, callers };
}

const lateral = (): Incident => ({
  id: 'lm-1',
  kind: 'lateral_movement',
  workload: { namespace: 'shop', serviceAccount: 'web', principal: WEB },
  severity: 'medium',
  score: 0.7,
  firstEventTime: new Date(ATTACK).toISOString(),
  detectedAt: new Date(T0).toISOString(),
  detectors: ['new_edges'],
  evidence: { new_destinations: LATERAL.map(([ns, app]) => `${app}.${ns}.svc.cluster.local`) },
  action: { type: 'alert' },
});

function manager(cfg: Partial<QuarantineConfig>, sink: PolicySink): QuarantineManager {
  const { graph, callers } = learned();
  return new QuarantineManager({
    cfg: quarantineConfig({ mode: 'enforce', approval_below_severity: 'low', ...cfg }),
    settings: settings(new FakeClock()),
    sink,
    adminUrl: ADMIN_URL,
    sleep: async () => {},
    callers,
    baseline: graph,
  });
}

let api: ApiServerStandIn;
let consul: ConsulStandIn;
beforeAll(async () => {
  api = await startApiServerStandIn();
  consul = await new ConsulStandIn().start();
});
afterAll(async () => {
  await api.stop();
  await consul.stop();
});
beforeEach(() => {
  api.objects.clear();
  consul.entries.clear();
});

/** Linkerd's verdict for an mTLS caller at a workload's port 8080, from the objects in the stand-in. */
function linkerdAllows(objects: StoredObject[], caller: string, workload: string): boolean {
  const [, ns = '', sa = ''] = /ns\/([^/]+)\/sa\/([^/]+)/.exec(caller) ?? [];
  const identity = linkerdIdentity(ns, sa, 'linkerd', 'cluster.local');
  const servers = objects.filter((o) => {
    const spec = o.spec as { podSelector?: { matchLabels?: Record<string, string> }; port?: number };
    return (
      o.kind === 'Server' &&
      spec.port === 8080 &&
      Object.values(spec.podSelector?.matchLabels ?? {}).includes(workload)
    );
  });
  if (servers.length === 0) return true; // no Server: the cluster's default (all-unauthenticated)
  return servers.every((server) => {
    if ((server.spec as { accessPolicy?: string }).accessPolicy === 'audit') return true;
    return objects.some((p) => {
      const spec = p.spec as {
        targetRef?: { name?: string };
        requiredAuthenticationRefs?: Array<{ kind: string; name: string }>;
      };
      if (p.kind !== 'AuthorizationPolicy' || spec.targetRef?.name !== server.metadata.name) return false;
      return (spec.requiredAuthenticationRefs ?? []).every((ref) => {
        const authn = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
        return ref.kind === 'MeshTLSAuthentication'
          ? ((authn?.spec as { identities?: string[] }).identities ?? []).includes(identity)
          : false;
      });
    });
  });
}

const stripped = (o: StoredObject): StoredObject => {
  const { resourceVersion: _r, uid: _u, creationTimestamp: _c, managedFields: _m, ...metadata } = o.metadata;
  return { ...o, metadata };
};

describe('contain to baseline on Linkerd', () => {
  const linkerdSink = (): PolicySink => {
    const kc = new KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    return new KubernetesSink({ kubeConfig: kc, kinds: writerFor('linkerd').kinds });
  };
  const linkerdManager = () => manager({ mesh: 'linkerd', sink: 'kubernetes' }, linkerdSink());

  it('keeps the baseline, refuses the new edges, leaves the other callers alone, and releases exactly', async () => {
    const m = linkerdManager();
    const action = await m.decide(lateral());
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce', containment: 'contain-to-baseline' });
    expect(action.policy).toMatch(/^meshguard-contain-lateral-movement-[0-9a-f]{8}$/);
    expect(action.notEnforced?.join('\n')).toMatch(/Linkerd has no DENY/);
    const objects = [...api.objects.values()];
    for (const o of objects) expect(crdErrors(stripped(o))).toEqual([]);
    // Servers only where web must be refused (every known destination outside its baseline).
    expect(
      objects
        .filter((o) => o.kind === 'Server')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'identity/meshguard-users-8080',
      'payments/meshguard-ledger-8080',
      'shop/meshguard-orders-8080',
    ]);

    for (const [ns, app] of LATERAL) expect(linkerdAllows(objects, WEB, app), `${ns}/${app}`).toBe(false);
    expect(linkerdAllows(objects, WEB, 'users')).toBe(false);
    expect(linkerdAllows(objects, WEB, 'cart')).toBe(true);
    expect(linkerdAllows(objects, WEB, 'catalog')).toBe(true);
    for (const [src, , app] of NORMAL) expect(linkerdAllows(objects, src, app), `${src} → ${app}`).toBe(true);

    const record = (await m.list()).find((r) => r.id === action.policy)!;
    expect(record.kept?.sort()).toEqual(['shop/cart', 'shop/catalog']);
    await m.release(action.policy!, 'alice', 'false positive');
    expect(api.objects.size).toBe(0);
  });

  it('falls back to the full quarantine when too many servers would change', async () => {
    const { graph, callers } = learned();
    for (let i = 0; i < 12; i++) graph.observe(call(CART, 'bulk', `svc-${i}`, T0 - 30 * MINUTE));
    const many = new QuarantineManager({
      cfg: quarantineConfig({
        mode: 'enforce',
        approval_below_severity: 'low',
        mesh: 'linkerd',
        sink: 'kubernetes',
      }),
      settings: settings(new FakeClock()),
      sink: linkerdSink(),
      adminUrl: ADMIN_URL,
      sleep: async () => {},
      callers,
      baseline: graph,
    });
    const action = await many.decide(lateral());
    expect(action.containment).toBeUndefined();
    expect(action.notEnforced?.join('\n')).toMatch(
      /not contained to its baseline \(15 destinations to protect, more than 10\)/,
    );
  });
});

const PRECEDENCE: Record<string, number> = { '2,1': 9, '2,0': 8, '0,1': 6, '0,0': 5 };

/** Consul's verdict for source → destination over the stand-in's entries (the default ACL policy: allow). */
function consulAllows(entries: Map<string, ConsulEntry>, source: string, destination: string): boolean {
  let best: { precedence: number; action: string } | undefined;
  for (const e of entries.values())
    for (const s of e.Sources ?? []) {
      const dst = e.Name === destination ? 2 : e.Name === '*' ? 0 : -1;
      const src = s.Name === source ? 1 : s.Name === '*' ? 0 : -1;
      if (dst < 0 || src < 0) continue;
      const precedence = PRECEDENCE[`${dst},${src}`]!;
      if (!best || precedence > best.precedence) best = { precedence, action: String(s.Action) };
    }
  return best ? best.action === 'allow' : true;
}

describe('contain to baseline on Consul', () => {
  it('exact denies beat * allows, exact allows keep the baseline, * deny covers the rest; release restores', async () => {
    // Someone allows everyone into ledger, and denied web the catalog on purpose.
    consul.seed({ Kind: 'service-intentions', Name: 'ledger', Sources: [{ Name: '*', Action: 'allow' }] });
    consul.seed({ Kind: 'service-intentions', Name: 'catalog', Sources: [{ Name: 'web', Action: 'deny' }] });
    const before = structuredClone([...consul.entries.values()]).map(({ ModifyIndex: _m, ...e }) => e);
    const m = manager({ mesh: 'consul', sink: 'consul' }, new ConsulSink({ address: consul.url }));
    const action = await m.decide(lateral());
    expect(action).toMatchObject({ containment: 'contain-to-baseline', mode: 'enforce' });
    expect(action.notEnforced?.join('\n')).toMatch(/catalog: the offender is already denied there/);

    const sources = (name: string) =>
      consul.entries
        .get(`service-intentions/${name}`)
        ?.Sources?.map((x) => `${String(x.Name)}:${String(x.Action)}`);
    expect(sources('cart')).toEqual(['web:allow']);
    expect(sources('ledger')).toEqual(['*:allow', 'web:deny']);
    expect(sources('*')).toEqual(['web:deny']);
    expect(consulAllows(consul.entries, 'web', 'cart')).toBe(true);
    expect(consulAllows(consul.entries, 'web', 'catalog')).toBe(false); // their deny stays
    expect(consulAllows(consul.entries, 'web', 'orders')).toBe(false);
    expect(consulAllows(consul.entries, 'web', 'ledger')).toBe(false); // over their `* → ledger` allow
    expect(consulAllows(consul.entries, 'web', 'users')).toBe(false);
    expect(consulAllows(consul.entries, 'web', 'never-seen')).toBe(false);
    expect(consulAllows(consul.entries, 'cart', 'ledger')).toBe(true);
    expect(consulAllows(consul.entries, 'admin', 'users')).toBe(true);

    await m.release(action.policy!, 'alice', 'false positive');
    expect([...consul.entries.values()].map(({ ModifyIndex: _m, ...e }) => e)).toEqual(before);
  });
});
