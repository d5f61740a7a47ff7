/**
 * Verification before enforcement against the Kubernetes API stand-in: proposals applied in dry-run,
 * Istio's shadow verdicts counted per policy, promotion after a clean period (automatic or approved),
 * protected namespaces refused, release, the audit trail, and the coverage the admin API serves.
 */
import Fastify from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import { LeastPrivilegeConfig } from '../../pipelines/responders/least-privilege/config.js';
import { buildAllowPolicies } from '../../pipelines/responders/least-privilege/istio.js';
import { istioProposal } from '../../pipelines/responders/least-privilege/proposal.js';
import { LeastPrivilegeLoop } from '../../pipelines/responders/least-privilege/service-loop.js';
import { LeastPrivilegeVerifier } from '../../pipelines/responders/least-privilege/verify.js';
import { AuditTrail } from '../../pipelines/responders/quarantine/audit-trail.js';
import { QuarantineManager } from '../../pipelines/responders/quarantine/index.js';
import { adminRoutes } from '../../services/http/admin-routes.js';
import {
  ensureKubernetesClientLoads,
  startApiServerStandIn,
  type ApiServerStandIn,
} from '../helpers/apiserver-stand-in.js';
import { ev, principalOf } from '../helpers/events.js';
import { ADMIN_URL, FakeClock, quarantineConfig, settings } from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const DAY_SECS = 24 * 3600;
const DRY_RUN = 'istio.io/dry-run';
const LP_DEFAULTS = Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig;

let api: ApiServerStandIn;
beforeAll(async () => {
  api = await startApiServerStandIn();
});
afterAll(() => api.stop());
beforeEach(() => {
  api.objects.clear();
  api.requests.length = 0;
});

/** Proposals learned from web → shop/orders and cart → shop/payments, plus one in a protected namespace. */
function proposals() {
  const g = new CallGraph();
  g.observe(ev({ timeMs: 0, src: WEB, dstNamespace: 'shop', podLabels: { app: 'orders' } }));
  g.observe(ev({ timeMs: 1, src: CART, dstNamespace: 'shop', podLabels: { app: 'payments' } }));
  g.observe(ev({ timeMs: 2, src: WEB, dstNamespace: 'ops', podLabels: { app: 'grafana' } }));
  return buildAllowPolicies(g.destinations(), {
    l7: false,
    dryRun: true,
    protectedNamespaces: [],
  }).policies.map(istioProposal);
}

function setup(requireApproval: boolean) {
  const clock = new FakeClock();
  const s = settings(clock);
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  const sink = new KubernetesSink({ kubeConfig: kc, metrics: s.metrics });
  const qcfg = quarantineConfig({ sink: 'kubernetes', protected_namespaces: ['ops'] });
  const audit = new AuditTrail(qcfg, s.state, clock, s.logger);
  const verifier = new LeastPrivilegeVerifier({
    cfg: { ...LP_DEFAULTS, clean_period_secs: DAY_SECS, require_approval: requireApproval },
    quarantine: qcfg,
    sink,
    audit,
    state: s.state,
    clock,
    metrics: s.metrics,
    logger: s.logger,
  });
  return { verifier, clock, audit, metrics: s.metrics, s, sink, qcfg };
}

/** An inbound call at shop/<app> with Istio's shadow verdict of the dry-run ALLOW policies. */
const call = (src: string, app: string, shadow: string, timeMs = 0): MeshEvent =>
  ev({ timeMs, src, dstNamespace: 'shop', podLabels: { app }, rbacShadowAllow: shadow });

const stored = (name: string) => api.objects.get(`shop/${name}`);

describe('least-privilege verification (stand-in API server)', () => {
  it('applies proposals in dry-run, refuses protected namespaces, and counts would-be denials per policy', async () => {
    const { verifier, metrics } = setup(false);
    const outcomes = await verifier.propose(proposals());
    expect(outcomes).toEqual(
      expect.arrayContaining([
        { policy: 'meshguard-allow-orders', namespace: 'shop', result: 'dry-run' },
        { policy: 'meshguard-allow-payments', namespace: 'shop', result: 'dry-run' },
        expect.objectContaining({
          namespace: 'ops',
          result: 'refused',
          reason: expect.stringMatching(/protected/),
        }),
      ]),
    );
    expect(stored('meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBe('true');
    expect(api.objects.has('ops/meshguard-allow-grafana')).toBe(false);
    expect(api.requests.some((r) => r.method === 'PATCH' && r.contentType.includes('apply-patch'))).toBe(
      true,
    );

    verifier.observe(call(WEB, 'orders', 'allowed'));
    verifier.observe(call(CART, 'orders', 'denied')); // a new caller: the policy would deny it
    verifier.observe(call(CART, 'orders', 'denied'));
    verifier.observe(call(CART, 'payments', 'allowed'));
    verifier.observe(call(WEB, 'inventory', '')); // no policy there
    const report = verifier.coverage();
    expect(report.destinations).toEqual({ enforced: 0, dry_run: 2, uncovered: 1 });
    expect(report.uncovered).toEqual(['shop/inventory']);
    const orders = report.policies.find((p) => p.policy === 'meshguard-allow-orders')!;
    expect(orders).toMatchObject({ state: 'dry_run', wouldDeny: 2, workload: 'orders' });
    expect(report.policies.find((p) => p.policy === 'meshguard-allow-payments')?.wouldDeny).toBe(0);
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'meshguard_least_privilege_would_deny_total{policy="shop/meshguard-allow-orders"} 2',
    );
    expect(text).toContain('meshguard_least_privilege_destinations{state="uncovered"} 1');
  });

  it('promotes only a policy clean for the whole period, by removing the dry-run annotation', async () => {
    const { verifier, clock, audit } = setup(false);
    await verifier.propose(proposals());
    clock.advance((DAY_SECS - 60) * 1000);
    verifier.observe(call(CART, 'orders', 'denied')); // restarts orders' clean period
    clock.advance(120_000);
    await verifier.promoteDue();
    expect(stored('meshguard-allow-payments')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();
    expect(stored('meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBe('true');
    expect(verifier.coverage().destinations).toEqual({ enforced: 1, dry_run: 1, uncovered: 0 });

    // After enforcement the shadow verdicts no longer count: the policy denies for real.
    verifier.observe(call(WEB, 'payments', 'denied'));
    expect(verifier.coverage().policies.find((p) => p.policy === 'meshguard-allow-payments')?.wouldDeny).toBe(
      0,
    );

    const trail = await audit.read();
    const promoted = trail.filter((e) => e.action === 'least-privilege-promote');
    expect(promoted).toHaveLength(1);
    expect(promoted[0]!.undo).toBe(
      'kubectl annotate authorizationpolicy -n shop meshguard-allow-payments istio.io/dry-run=true --overwrite',
    );
  });

  it('with approval required, waits for a person; a new would-be denial sends it back to verification', async () => {
    const { verifier, clock } = setup(true);
    await verifier.propose(proposals());
    clock.advance(DAY_SECS * 1000);
    await verifier.promoteDue();
    const states = () => Object.fromEntries(verifier.coverage().policies.map((p) => [p.policy, p.state]));
    expect(states()).toEqual({
      'meshguard-allow-orders': 'pending_approval',
      'meshguard-allow-payments': 'pending_approval',
    });
    expect(stored('meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBe('true');

    verifier.observe(call(CART, 'orders', 'denied'));
    expect(states()['meshguard-allow-orders']).toBe('dry_run');
    await expect(verifier.approve('shop', 'meshguard-allow-orders', 'alice')).rejects.toThrow(
      /not pending_approval/,
    );

    const approved = await verifier.approve('shop', 'meshguard-allow-payments', 'alice (admin API)');
    expect(approved.state).toBe('enforced');
    expect(stored('meshguard-allow-payments')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();
  });

  it('releases a policy: deleted from the cluster, audited, no longer covered', async () => {
    const { verifier, audit } = setup(false);
    await verifier.propose(proposals());
    await verifier.release('shop', 'meshguard-allow-orders', 'bob', 'breaks the nightly export');
    expect(stored('meshguard-allow-orders')).toBeUndefined();
    expect(
      api.requests.some((r) => r.method === 'DELETE' && r.path.endsWith('/meshguard-allow-orders')),
    ).toBe(true);
    expect(verifier.coverage().policies.map((p) => p.policy)).toEqual(['meshguard-allow-payments']);
    await expect(verifier.release('shop', 'meshguard-allow-orders', 'bob', 'again')).rejects.toThrow(
      /no least-privilege/,
    );
    const released = (await audit.read()).find((e) => e.action === 'least-privilege-release')!;
    expect(released).toMatchObject({ actor: 'bob', reason: expect.stringMatching(/nightly export/) });
  });

  it('a failing apiserver leaves the proposal untracked and says why', async () => {
    const { verifier } = setup(false);
    api.failNext(403, 2); // one per proposal outside protected namespaces
    const outcomes = await verifier.propose(proposals());
    expect(outcomes.filter((o) => o.result === 'failed')).toHaveLength(2);
    expect(verifier.coverage().policies).toEqual([]);
  });

  it('serves coverage in the admin API', async () => {
    const { verifier, s, sink, qcfg } = setup(false);
    await verifier.propose(proposals());
    verifier.observe(call(CART, 'orders', 'denied'));
    const app = Fastify({ logger: false });
    const quarantine = new QuarantineManager({ cfg: qcfg, settings: s, sink, adminUrl: ADMIN_URL });
    await app.register(adminRoutes, {
      incidents: { list: () => [], get: () => undefined },
      quarantine,
      token: '',
      leastPrivilege: verifier,
    });
    const res = await app.inject({ method: 'GET', url: '/api/least-privilege/coverage' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      enabled: true,
      destinations: { enforced: 0, dry_run: 2, uncovered: 0 },
      policies: expect.arrayContaining([
        expect.objectContaining({ policy: 'meshguard-allow-orders', wouldDeny: 1 }),
      ]),
    });
    const doc = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/api/least-privilege/coverage');
    await app.close();
  });

  it('approves and releases through the admin API, with the admin token', async () => {
    const { verifier, clock, s, sink, qcfg } = setup(true);
    await verifier.propose(proposals());
    clock.advance(DAY_SECS * 1000);
    await verifier.promoteDue();
    const app = Fastify({ logger: false });
    const quarantine = new QuarantineManager({ cfg: qcfg, settings: s, sink, adminUrl: ADMIN_URL });
    await app.register(adminRoutes, {
      incidents: { list: () => [], get: () => undefined },
      quarantine,
      token: 'tok',
      leastPrivilege: verifier,
    });
    const url = (name: string, verb: string) => `/api/least-privilege/policies/shop/${name}/${verb}`;
    const auth = { authorization: 'Bearer tok' };
    expect(
      (await app.inject({ method: 'POST', url: url('meshguard-allow-orders', 'approve') })).statusCode,
    ).toBe(401);
    const ok = await app.inject({
      method: 'POST',
      url: url('meshguard-allow-orders', 'approve'),
      headers: auth,
      payload: { by: 'alice' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ policy: 'meshguard-allow-orders', state: 'enforced' });
    expect(stored('meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();
    const again = await app.inject({
      method: 'POST',
      url: url('meshguard-allow-orders', 'approve'),
      headers: auth,
    });
    expect(again.statusCode).toBe(409);
    const rel = await app.inject({
      method: 'POST',
      url: url('meshguard-allow-payments', 'release'),
      headers: auth,
    });
    expect(rel.json()).toEqual({ released: 'shop/meshguard-allow-payments' });
    expect(stored('meshguard-allow-payments')).toBeUndefined();
    const gone = await app.inject({
      method: 'POST',
      url: url('meshguard-allow-payments', 'release'),
      headers: auth,
    });
    expect(gone.statusCode).toBe(404);
    await app.close();
  });

  it('service mode: learns for learn_secs, applies the proposals in dry-run, then promotes the clean ones', async () => {
    const { verifier, clock, s } = setup(false);
    const loop = new LeastPrivilegeLoop(
      verifier,
      { ...LP_DEFAULTS, learn_secs: 3600 },
      ['ops'],
      clock,
      s.logger,
    );
    loop.onEvent(call(WEB, 'orders', ''));
    loop.onEvent(call(CART, 'payments', ''));
    clock.advance(1_800_000);
    await loop.tick();
    expect(loop.learning).toBe(true);
    expect(api.objects.size).toBe(0);
    clock.advance(1_800_000);
    await loop.tick();
    expect(loop.learning).toBe(false);
    expect(stored('meshguard-allow-orders')?.metadata.annotations?.[DRY_RUN]).toBe('true');
    expect(stored('meshguard-allow-payments')?.spec).toMatchObject({ action: 'ALLOW' });
    clock.advance(60_000);
    loop.onEvent(call(CART, 'orders', 'denied')); // not learned any more: counted as a would-be denial
    clock.advance(DAY_SECS * 1000 - 60_000); // the verifier's clean period: payments is due, orders not
    await loop.tick();
    expect(verifier.coverage().destinations).toEqual({ enforced: 1, dry_run: 1, uncovered: 0 });
    expect(stored('meshguard-allow-payments')?.metadata.annotations?.[DRY_RUN]).toBeUndefined();
  });
});
