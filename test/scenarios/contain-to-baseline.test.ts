/**
 * Graduated containment end to end: the call graph is learned from traffic, a medium lateral-movement
 * incident goes through the quarantine decision, and the policies it put in the sink are replayed against
 * the offender's later traffic with an evaluator of Istio's authorization semantics: every call on a
 * baseline edge is allowed, every call on a new edge denied, nobody else is touched. High and critical
 * offenders are still cut off entirely, and the quarantine's guardrails hold for containment too.
 */
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../pipelines/core/delivery.js';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { Incident, Severity } from '../../pipelines/core/incident.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import Fastify from 'fastify';
import { formatAlert, formatAlertLine } from '../../pipelines/responders/alerts/format.js';
import { adminRoutes } from '../../services/http/admin-routes.js';
import {
  QuarantineManager,
  type PolicySink,
  type QuarantineConfig,
} from '../../pipelines/responders/quarantine/index.js';
import type { MeshResource, ResourceRef } from '../../pipelines/responders/quarantine/mesh/resource.js';
import { istioSchemaErrors } from '../../pipelines/responders/quarantine/validate.js';
import { crdErrors } from '../helpers/crd-schema.js';
import { ev, principalOf } from '../helpers/events.js';
import { evaluate, type PolicyLike } from '../helpers/istio-authz.js';
import {
  ADMIN_URL,
  FakeClock,
  T0,
  quarantineConfig,
  settings,
} from '../unit/responders/quarantine/fixtures.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const ADMIN = principalOf('ops', 'admin');
const MINUTE = 60_000;
/** The attack begins here; everything before is the baseline. */
const ATTACK = T0 - 2 * MINUTE;

/** Workloads (namespace, app) and who calls them normally. */
const NORMAL: Array<[string, string, string]> = [
  [WEB, 'shop', 'cart'],
  [WEB, 'shop', 'catalog'],
  [CART, 'shop', 'orders'],
  [CART, 'payments', 'ledger'],
  [ADMIN, 'identity', 'users'],
  [ADMIN, 'kube-system', 'coredns'],
];
/** What web reaches for once compromised: workloads it never called. */
const LATERAL: Array<[string, string]> = [
  ['shop', 'orders'],
  ['payments', 'ledger'],
  ['identity', 'users'],
  ['kube-system', 'coredns'],
];

function call(src: string, ns: string, app: string, timeMs: number): MeshEvent {
  return ev({
    timeMs,
    src,
    dstNamespace: ns,
    dst: `${app}.${ns}.svc.cluster.local`,
    podLabels: { app, 'pod-template-hash': 'abc123' },
    upstreamCluster: `inbound|8080||`,
  });
}

/** Normal traffic every 10 s over [from, to), and web's lateral movement from ATTACK on. */
function traffic(from: number, to: number): MeshEvent[] {
  const out: MeshEvent[] = [];
  for (let t = from; t < to; t += 10_000) {
    for (const [src, ns, app] of NORMAL) out.push(call(src, ns, app, t));
    if (t >= ATTACK) for (const [ns, app] of LATERAL) out.push(call(WEB, ns, app, t + 1));
  }
  return out;
}

class MemorySink implements PolicySink {
  readonly name = 'none' as const;
  readonly policies = new Map<string, MeshResource>();
  async apply(policy: MeshResource): Promise<Delivery> {
    this.policies.set(`${policy.metadata.namespace}/${policy.metadata.name}`, policy);
    return { code: 'ok' };
  }
  async write(policy: MeshResource): Promise<Delivery> {
    return this.apply(policy);
  }
  async delete(ref: ResourceRef): Promise<Delivery> {
    this.policies.delete(`${ref.namespace}/${ref.name}`);
    return { code: 'ok' };
  }
  async list(): Promise<MeshResource[]> {
    return [...this.policies.values()];
  }
  async read(): Promise<undefined> {
    return undefined;
  }
  async listKind(): Promise<MeshResource[]> {
    return [];
  }
}

function setup(cfg: Partial<QuarantineConfig> = {}, learn = true) {
  const clock = new FakeClock();
  const sink = new MemorySink();
  const graph = new CallGraph();
  // The graph learns everything up to the detection, the attack's own calls included.
  if (learn) for (const e of traffic(T0 - 60 * MINUTE, T0)) graph.observe(e);
  const m = new QuarantineManager({
    cfg: quarantineConfig({ mode: 'enforce', ...cfg }),
    settings: settings(clock),
    sink,
    adminUrl: ADMIN_URL,
    sleep: async () => {},
    baseline: graph,
  });
  return { m, sink, clock, graph };
}

let seq = 0;
function lateral(severity: Severity, principal = WEB): Incident {
  const [, ns = '', sa = ''] = /ns\/([^/]+)\/sa\/([^/]+)/.exec(principal) ?? [];
  return {
    id: `lm-${++seq}`,
    kind: 'lateral_movement',
    workload: { namespace: ns, serviceAccount: sa, principal },
    severity,
    score: 0.8,
    firstEventTime: new Date(ATTACK).toISOString(),
    detectedAt: new Date(T0).toISOString(),
    detectors: ['new_edges'],
    evidence: { new_destinations: LATERAL.map(([ns2, app]) => `${app}.${ns2}.svc.cluster.local`) },
    action: { type: 'alert' },
  };
}

/** Later traffic (after the decision) through the policies the sink holds. */
async function replayLater(sink: MemorySink) {
  const policies = (await sink.list()) as unknown as PolicyLike[];
  return traffic(T0, T0 + 10 * MINUTE).map((e) => ({
    e,
    allowed: evaluate(policies, {
      namespace: e.dstNamespace,
      labels: e.podLabels,
      principal: e.srcPrincipal,
      method: e.method,
      path: e.path,
    }).allowed,
  }));
}

const isNewEdge = (e: MeshEvent): boolean =>
  e.srcPrincipal === WEB && LATERAL.some(([ns, app]) => e.dstNamespace === ns && e.podLabels.app === app);

describe('a medium lateral-movement offender is contained to its baseline', () => {
  it('keeps every baseline call, denies every new edge, and touches nobody else', async () => {
    const { m, sink } = setup();
    const action = await m.decide(lateral('medium'));
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce', containment: 'contain-to-baseline' });
    expect(action.policy).toMatch(/^meshguard-contain-lateral-movement-[0-9a-f]{8}$/);

    const results = await replayLater(sink);
    const baseline = results.filter((r) => r.e.srcPrincipal === WEB && !isNewEdge(r.e));
    const attack = results.filter((r) => isNewEdge(r.e) && r.e.dstNamespace !== 'kube-system');
    const others = results.filter((r) => r.e.srcPrincipal !== WEB);
    expect(baseline.length).toBeGreaterThan(50);
    expect(baseline.every((r) => r.allowed)).toBe(true);
    expect(attack.length).toBeGreaterThan(50);
    expect(attack.filter((r) => r.allowed).map((r) => `${r.e.dstNamespace}/${r.e.podLabels.app}`)).toEqual(
      [],
    );
    expect(others.every((r) => r.allowed)).toBe(true);
    // A workload of a namespace without a learned edge is covered even if the graph never saw it.
    const unseen = evaluate((await sink.list()) as unknown as PolicyLike[], {
      namespace: 'payments',
      labels: { app: 'brand-new' },
      principal: WEB,
      method: 'GET',
      path: '/',
    });
    expect(unseen.allowed).toBe(false);
  });

  it('never writes into a protected namespace, and says what it cannot cover', async () => {
    const { m, sink } = setup();
    const action = await m.decide(lateral('medium'));
    const namespaces = [...sink.policies.values()].map((p) => p.metadata.namespace);
    expect(namespaces).not.toContain('kube-system');
    expect(new Set(namespaces)).toEqual(new Set(['shop', 'payments', 'identity']));
    expect(action.notEnforced?.join('\n')).toMatch(/never saw is not covered/);
  });

  it('writes only L4 DENY policies that Istio’s schema accepts, owned, expiring and undoable', async () => {
    const { m, sink } = setup();
    const action = await m.decide(lateral('medium'));
    expect(sink.policies.size).toBeGreaterThan(1);
    for (const p of sink.policies.values()) {
      // Both Istio's released CRD (vendored, unknown fields are errors) and @kubernetes-models/istio.
      expect(crdErrors(p)).toEqual([]);
      expect(await istioSchemaErrors(p)).toEqual([]);
      const ap = p as unknown as PolicyLike;
      expect(ap.spec.action).toBe('DENY');
      expect(ap.spec.rules).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] },
      ]);
      expect(p.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'meshguard',
        'meshguard.io/quarantine-id': action.policy,
        'meshguard.io/containment': 'contain-to-baseline',
      });
      expect(p.metadata.annotations?.['meshguard.io/expires-at']).toBe(
        new Date(T0 + 3600 * 1000).toISOString(),
      );
    }
    // The vendored schema does reject what Istio would not take.
    const first = [...sink.policies.values()][0] as unknown as PolicyLike & {
      apiVersion: string;
      kind: string;
    };
    const withSpec = (spec: Record<string, unknown>) => ({ ...first, spec: { ...first.spec, ...spec } });
    expect(crdErrors(withSpec({ action: 'BLOCK' }))).not.toEqual([]);
    expect(crdErrors(withSpec({ targetRef: {} }))).not.toEqual([]);
    expect(action.undo).toContain(
      `kubectl delete authorizationpolicy --all-namespaces -l meshguard.io/quarantine-id=${action.policy}`,
    );
  });

  it('is listed in the ledger as contained to its baseline, and the alert says so', async () => {
    const { m } = setup();
    const incident = lateral('medium');
    const action = await m.decide(incident);
    const [record] = await m.list();
    expect(record).toMatchObject({
      id: action.policy,
      state: 'active',
      containment: 'contain-to-baseline',
      kept: ['shop/cart', 'shop/catalog'],
    });
    expect(action.reason).toMatch(/contained to its baseline .* may still call shop\/cart, shop\/catalog/);
    const alert = formatAlert({ ...incident, action }, 'trigger', { adminUrl: ADMIN_URL });
    expect(alert.done).toMatch(/^contained to its baseline \(enforce\)/);
    expect(alert.text).toContain('may still call shop/cart, shop/catalog');
    expect(formatAlertLine({ ...incident, action }, 'trigger', { adminUrl: ADMIN_URL })).toContain(
      'contained (enforce)',
    );
  });

  it('the admin API lists it as contained to its baseline and releases all its policies', async () => {
    const { m, sink } = setup();
    const incident = lateral('medium');
    const action = await m.decide(incident);
    const app = Fastify({ logger: false });
    await app.register(adminRoutes, {
      incidents: { list: () => [{ ...incident, action }], get: () => undefined },
      quarantine: m,
      token: 't0ken',
    });
    await app.ready();
    const headers = { authorization: 'Bearer t0ken' };
    try {
      const listed = (await app.inject({ method: 'GET', url: '/api/quarantines', headers })).json();
      expect(listed.quarantines[0]).toMatchObject({
        id: action.policy,
        containment: 'contain-to-baseline',
        kept: ['shop/cart', 'shop/catalog'],
      });
      const released = await app.inject({
        method: 'POST',
        url: `/api/quarantines/${action.policy}/release`,
        headers,
        payload: { by: 'bob', reason: 'false positive' },
      });
      expect(released.statusCode).toBe(200);
      expect(sink.policies.size).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('in dry-run, Istio’s shadow verdict denies exactly the new edges', async () => {
    const { m, sink } = setup({ mode: 'dry-run' });
    await m.decide(lateral('medium'));
    const policies = (await sink.list()) as unknown as PolicyLike[];
    for (const e of traffic(T0, T0 + MINUTE)) {
      const d = evaluate(policies, {
        namespace: e.dstNamespace,
        labels: e.podLabels,
        principal: e.srcPrincipal,
        method: e.method,
        path: e.path,
      });
      expect(d.allowed).toBe(true);
      if (e.dstNamespace !== 'kube-system' && d.shadowAllowed !== undefined)
        expect(d.shadowAllowed).toBe(!isNewEdge(e));
    }
  });
});

describe('high and critical offenders are still quarantined fully', () => {
  it.each(['high', 'critical'] as const)('%s: mesh-wide or namespace DENY, no containment', async (sev) => {
    const { m, sink } = setup();
    const action = await m.decide(lateral(sev));
    expect(action.policy).toMatch(/^meshguard-quarantine-lateral-movement-/);
    expect(action.containment).toBeUndefined();
    const results = await replayLater(sink);
    // Cut off entirely: its baseline calls too.
    expect(
      results
        .filter((r) => r.e.srcPrincipal === WEB && r.e.dstNamespace !== 'kube-system')
        .every((r) => !r.allowed),
    ).toBe(true);
    expect((await m.list())[0]?.containment).toBe('quarantine');
  });

  it('a contained offender that raises a high incident is escalated to the full quarantine', async () => {
    const { m, sink } = setup();
    const contained = await m.decide(lateral('medium'));
    const full = await m.decide(lateral('high'));
    expect(full.policy).toMatch(/^meshguard-quarantine-lateral-movement-/);
    expect([...sink.policies.keys()].some((k) => k.endsWith(contained.policy!))).toBe(false);
    const records = await m.list();
    expect(records.find((r) => r.id === contained.policy)).toMatchObject({
      state: 'released',
      releaseReason: expect.stringMatching(/escalated to full quarantine/),
    });
    expect(records.find((r) => r.id === full.policy)?.state).toBe('active');
    // A second medium incident does not downgrade it.
    const again = await m.decide(lateral('medium'));
    expect(again.policy).toBe(full.policy);
  });
});

describe('containment goes through the quarantine guardrails', () => {
  it('a protected namespace is never contained', async () => {
    const { m, sink } = setup({ protected_namespaces: ['shop'] });
    const action = await m.decide(lateral('medium'));
    expect(action.type).toBe('alert');
    expect(sink.policies.size).toBe(0);
  });

  it('below approval_below_severity it waits for a person; approval applies the containment', async () => {
    const { m, sink } = setup({ approval_below_severity: 'high' });
    const action = await m.decide(lateral('medium'));
    expect(action).toMatchObject({ mode: 'pending-approval', containment: 'contain-to-baseline' });
    expect(sink.policies.size).toBe(0);
    const approved = await m.approve(action.policy!, 'oncall@example.com');
    expect(approved).toMatchObject({
      state: 'active',
      containment: 'contain-to-baseline',
      approvedBy: 'oncall@example.com',
    });
    expect(sink.policies.size).toBe(approved.policies.length);
  });

  it('past the blast-radius cap it waits for approval instead', async () => {
    const { m, sink } = setup({ max_per_window: 0 });
    const action = await m.decide(lateral('medium'));
    expect(action.mode).toBe('pending-approval');
    expect(action.reason).toMatch(/blast-radius cap reached/);
    expect(sink.policies.size).toBe(0);
  });

  it('expires after its TTL and can be released by hand, taking every policy away', async () => {
    const { m, sink, clock } = setup();
    const first = await m.decide(lateral('medium'));
    expect(sink.policies.size).toBeGreaterThan(1);
    clock.advance(3600 * 1000);
    const expired = await m.expireDue(clock.nowMs());
    expect(expired.map((r) => r.id)).toEqual([first.policy]);
    expect(sink.policies.size).toBe(0);

    const second = await m.decide(lateral('medium'));
    await m.release(second.policy!, 'oncall@example.com', 'false positive');
    expect(sink.policies.size).toBe(0);
    const trail = (await m.audit()).map((e) => e.action);
    expect(trail).toEqual(['quarantine', 'expire', 'quarantine', 'release']);
  });
});

describe('falls back to the full quarantine when containment cannot be built', () => {
  it('an offender the call graph never saw before the incident', async () => {
    const { m } = setup({}, false);
    const action = await m.decide(lateral('medium'));
    expect(action.policy).toMatch(/^meshguard-quarantine-/);
    expect(action.notEnforced?.[0]).toMatch(
      /not contained to its baseline \(.*no edge of the offender.*\): full quarantine instead/,
    );
  });

  it('when quarantine.contain_to_baseline is off', async () => {
    const { m } = setup({ contain_to_baseline: false });
    const action = await m.decide(lateral('medium'));
    expect(action.policy).toMatch(/^meshguard-quarantine-/);
    expect(action.containment).toBeUndefined();
  });

  it('for another mesh than Istio sidecars', async () => {
    const { m } = setup({ mesh: 'ambient' });
    const action = await m.decide(lateral('medium'));
    expect(action.containment).toBeUndefined();
    expect(action.notEnforced?.join('\n')).toMatch(/written for Istio sidecars, mesh is ambient/);
  });
});
