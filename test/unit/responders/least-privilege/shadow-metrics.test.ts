/**
 * Would-be denials from the proxies' metrics: Envoy's RBAC shadow stats as Istio tags them, the flat stat
 * name, and Linkerd's audit mode, read as counters and counted against the dry-run policy that selects
 * the scraped pod, so a policy with shadow denials is not promoted.
 *
 * Sample lines: the Istio one follows Istio's "Dry Run" authorization task (its Prometheus section, with
 * the ALLOW action of a least-privilege policy); the flat name is Envoy's RBAC filter statistic
 * `<stat_prefix>.rbac.<shadow_rules_stat_prefix>shadow_denied` with Istio's `istio_dry_run_allow_` prefix;
 * the Linkerd one is `inbound_http_authz_allow_total` with `authz_name="audit"` (Linkerd's authorization
 * policy page, "Audit mode", and its 2.16 release walkthrough).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import {
  adapterMessage,
  parseAdapterSample,
} from '../../../../pipelines/metrics/kafka-adapter/kafka-adapter.js';
import type { MetricSample } from '../../../../pipelines/metrics/sample.js';
import { LeastPrivilegeConfig } from '../../../../pipelines/responders/least-privilege/config.js';
import { istioProposal } from '../../../../pipelines/responders/least-privilege/proposal.js';
import { buildAllowPolicies } from '../../../../pipelines/responders/least-privilege/istio.js';
import { LeastPrivilegeLoop } from '../../../../pipelines/responders/least-privilege/service-loop.js';
import { ShadowMetricReader } from '../../../../pipelines/responders/least-privilege/shadow-metrics.js';
import { LeastPrivilegeVerifier } from '../../../../pipelines/responders/least-privilege/verify.js';
import { AuditTrail } from '../../../../pipelines/responders/quarantine/audit-trail.js';
import { GitOpsSink } from '../../../../pipelines/responders/quarantine/index.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { FakeClock, quarantineConfig, settings } from '../quarantine/fixtures.js';

const DAY_SECS = 24 * 3600;

/** One line of the Prometheus text format, as a remote_write or OTLP sample would carry it. */
function line(text: string, timeMs = 1_000): MetricSample {
  const m = /^(\w+)\{(.*)\}\s+(\S+)$/.exec(text.trim());
  if (!m) throw new Error(`not a sample line: ${text}`);
  const labels: Record<string, string> = {};
  for (const [, k, v] of m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
  return { name: m[1]!, labels, timeMs, value: Number(m[3]) };
}

const istioTagged = (app: string, pod: string, result: string, value: number, action = 'allow') =>
  line(
    `envoy_http_inbound_0_0_0_0_80_rbac{app="${app}",authz_dry_run_action="${action}",authz_dry_run_result="${result}",instance="10.44.1.11:15020",istio_io_rev="default",job="kubernetes-pods",kubernetes_namespace="shop",kubernetes_pod_name="${pod}",pod_template_hash="74fb669cc6",security_istio_io_tlsMode="istio",service_istio_io_canonical_name="${app}",service_istio_io_canonical_revision="v1",version="v1"} ${value}`,
  );
const istioFlat = (pod: string, value: number) =>
  line(
    `envoy_http_rbac_istio_dry_run_allow_shadow_denied{envoy_http_conn_manager_prefix="inbound_0.0.0.0_8080",namespace="shop",pod="${pod}"} ${value}`,
  );
const linkerdAudited = (deployment: string, value: number, authzName = 'audit') =>
  line(
    `inbound_http_authz_allow_total{direction="inbound",srv_group="policy.linkerd.io",srv_kind="server",srv_name="${deployment}-http",authz_name="${authzName}",tls="true",client_id="cart.shop.serviceaccount.identity.linkerd.cluster.local",namespace="shop",pod="${deployment}-5f7b9d8c6d-x2x9k",deployment="${deployment}"} ${value}`,
  );

describe('ShadowMetricReader', () => {
  it('reads increases of the Istio tagged, flat and Linkerd audit counters, per pod', () => {
    const r = new ShadowMetricReader();
    // First sight counts in full: meshguard cannot tell when those denials happened.
    expect(r.read(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 2))).toMatchObject({
      source: 'istio-rbac-shadow',
      namespace: 'shop',
      workload: 'orders',
      count: 2,
    });
    expect(r.read(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 2))).toBeUndefined();
    expect(r.read(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 5))?.count).toBe(3);
    // The proxy restarted: its counter began again from zero.
    expect(r.read(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 1))?.count).toBe(1);
    expect(r.read(istioFlat('payments-6d8f9b7c5-kq2zt', 4))).toMatchObject({
      source: 'istio-rbac-shadow',
      workload: 'payments',
      count: 4,
    });
    expect(r.read(linkerdAudited('payments', 7))).toMatchObject({
      source: 'linkerd-audit',
      workload: 'payments',
      count: 7,
    });
  });

  it('reads them as serve receives them: through the metrics topic’s prometheus-kafka-adapter JSON', () => {
    const r = new ShadowMetricReader();
    const viaTopic = (s: MetricSample): MetricSample => {
      const parsed = parseAdapterSample(adapterMessage(s));
      if (!parsed.ok || !parsed.sample) throw new Error('adapter round trip failed');
      return parsed.sample;
    };
    expect(r.read(viaTopic(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 2)))?.count).toBe(2);
    expect(r.read(viaTopic(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 6)))?.count).toBe(4);
    expect(r.read(viaTopic(linkerdAudited('payments', 1)))?.source).toBe('linkerd-audit');
  });

  it('ignores what is not a would-be denial of an ALLOW dry-run', () => {
    const r = new ShadowMetricReader();
    expect(r.read(istioTagged('orders', 'orders-1', 'allowed', 9))).toBeUndefined();
    expect(r.read(istioTagged('orders', 'orders-1', 'denied', 9, 'deny'))).toBeUndefined(); // a DENY dry-run
    expect(r.read(linkerdAudited('payments', 9, 'payments-authz'))).toBeUndefined(); // authorized for real
    expect(
      r.read(line('istio_requests_total{destination_workload="orders",namespace="shop"} 9')),
    ).toBeUndefined();
    const noNamespace = istioFlat('orders-1', 3);
    delete noNamespace.labels.namespace;
    expect(r.read(noNamespace)).toBeUndefined();
    expect(r.read({ ...istioFlat('orders-1', 3), value: Number.NaN })).toBeUndefined();
  });
});

describe('shadow metrics in the verifier', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshguard-lp-shadow-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function setup() {
    const clock = new FakeClock();
    const s = settings(clock);
    const qcfg = quarantineConfig({ policies_dir: dir, protected_namespaces: ['ops'] });
    const lp = {
      ...(Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig),
      clean_period_secs: DAY_SECS,
      require_approval: false,
    };
    const verifier = new LeastPrivilegeVerifier({
      cfg: lp,
      quarantine: qcfg,
      sink: new GitOpsSink(dir),
      audit: new AuditTrail(qcfg, s.state, clock, s.logger),
      state: s.state,
      clock,
      metrics: s.metrics,
      logger: s.logger,
    });
    const loop = new LeastPrivilegeLoop(verifier, lp, ['ops'], clock, s.logger);
    const g = new CallGraph();
    const web = principalOf('shop', 'web');
    g.observe(ev({ timeMs: 0, src: web, dstNamespace: 'shop', podLabels: { app: 'orders' } }));
    g.observe(ev({ timeMs: 1, src: web, dstNamespace: 'shop', podLabels: { app: 'payments' } }));
    g.observe(ev({ timeMs: 2, src: web, dstNamespace: 'shop', podLabels: { app: 'inventory' } }));
    const { policies } = buildAllowPolicies(g.destinations(), {
      l7: false,
      dryRun: true,
      protectedNamespaces: [],
    });
    await verifier.propose(policies.map(istioProposal));
    return { verifier, loop, clock, metrics: s.metrics };
  }

  const stateOf = (v: LeastPrivilegeVerifier, policy: string) =>
    v.coverage().policies.find((p) => p.policy === `meshguard-allow-${policy}`)!;

  it('counts the sidecars’ shadow denials per policy and keeps those policies from promotion', async () => {
    const { verifier, loop, clock, metrics } = await setup();
    // Baselines read while the policies are clean, then the counters grow at orders and payments.
    loop.onMetricSample(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 0));
    loop.onMetricSample(istioTagged('inventory', 'inventory-7c9d-abcde', 'allowed', 40));
    loop.onMetricSample(linkerdAudited('payments', 0));
    clock.advance((DAY_SECS - 60) * 1000);
    loop.onMetricSample(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 3));
    loop.onMetricSample(linkerdAudited('payments', 2));
    expect(stateOf(verifier, 'orders').wouldDeny).toBe(3);
    expect(stateOf(verifier, 'payments').wouldDeny).toBe(2);
    expect(stateOf(verifier, 'inventory').wouldDeny).toBe(0);

    clock.advance(120_000);
    await loop.tick();
    expect(stateOf(verifier, 'inventory').state).toBe('enforced');
    expect(stateOf(verifier, 'orders').state).toBe('dry_run');
    expect(stateOf(verifier, 'payments').state).toBe('dry_run');
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'meshguard_least_privilege_would_deny_total{policy="shop/meshguard-allow-orders"} 3',
    );
    expect(text).toContain(
      'meshguard_least_privilege_would_deny_total{policy="shop/meshguard-allow-payments"} 2',
    );
  });

  it('matches by the copied pod labels, falls back to the workload, and leaves other pods alone', async () => {
    const { verifier, loop } = await setup();
    // The pod labels name another app: not this policy's pods, even though the pod name looks alike.
    loop.onMetricSample(istioTagged('orders-canary', 'orders-74fb669cc6-zzzzz', 'denied', 5));
    expect(stateOf(verifier, 'orders').wouldDeny).toBe(0);
    // A scrape without pod labels: the pod name's workload decides.
    loop.onMetricSample(istioFlat('orders-74fb669cc6-95qm8', 4));
    expect(stateOf(verifier, 'orders').wouldDeny).toBe(4);
    // Another namespace, and a protected one, count nowhere.
    const elsewhere = istioFlat('orders-74fb669cc6-95qm8', 6);
    loop.onMetricSample({ ...elsewhere, labels: { ...elsewhere.labels, namespace: 'ops' } });
    expect(stateOf(verifier, 'orders').wouldDeny).toBe(4);
  });

  it('no longer counts once a policy is enforced (it denies for real)', async () => {
    const { verifier, loop, clock } = await setup();
    clock.advance(DAY_SECS * 1000);
    await loop.tick();
    expect(stateOf(verifier, 'orders').state).toBe('enforced');
    loop.onMetricSample(istioTagged('orders', 'orders-74fb669cc6-95qm8', 'denied', 8));
    expect(stateOf(verifier, 'orders').wouldDeny).toBe(0);
  });
});
