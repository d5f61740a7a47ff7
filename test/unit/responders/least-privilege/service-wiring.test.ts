/** createResponders with least_privilege.enabled: the loop exists, and refused callers reach the alerts. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../config/validate.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import { MemoryStateStore } from '../../../../pipelines/core/state-store.js';
import { buildLinkerdObjects } from '../../../../pipelines/responders/least-privilege/other-meshes.js';
import { groupProposal, istioProposal } from '../../../../pipelines/responders/least-privilege/proposal.js';
import { buildAllowPolicies } from '../../../../pipelines/responders/least-privilege/istio.js';
import { assemble } from '../../../../services/assembly/assemble.js';
import type { Incident } from '../../../../pipelines/core/incident.js';
import { createResponders } from '../../../../pipelines/responders/index.js';
import { AlertsConfig } from '../../../../pipelines/responders/alerts/config.js';
import { LeastPrivilegeConfig } from '../../../../pipelines/responders/least-privilege/config.js';
import { GitOpsSink } from '../../../../pipelines/responders/quarantine/index.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { FakeClock, quarantineConfig, settings } from '../quarantine/fixtures.js';

const CART = principalOf('shop', 'cart');

describe('least privilege wired into the responders', () => {
  it('is off by default, and when on sends a lateral-movement alert with the change that would allow the caller', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshguard-lp-'));
    const clock = new FakeClock();
    const sent: Array<{ incident: Incident; event: string }> = [];
    const alerts = {
      notify: async (incident: Incident, event: string) => void sent.push({ incident, event }),
      shutdown: async () => {},
    };
    const base = {
      quarantine: quarantineConfig({ policies_dir: dir }),
      alerts: Value.Default(AlertsConfig, {}) as AlertsConfig,
      trust_domain: 'cluster.local',
    };
    const sink = new GitOpsSink(dir);
    expect(createResponders(base, settings(clock), { alerts, sink }).leastPrivilege).toBeUndefined();

    const lp = { ...(Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig), enabled: true };
    const r = createResponders({ ...base, least_privilege: lp }, settings(clock), { alerts, sink });
    const denied = (ns: string, app: string, timeMs: number) =>
      ev({
        timeMs,
        src: CART,
        dstNamespace: ns,
        podLabels: { app },
        status: 403,
        responseCodeDetails: 'rbac_access_denied_matched_policy[none]',
      });
    r.leastPrivilege!.onEvent(denied('payments', 'ledger', 1_000));
    r.leastPrivilege!.onEvent(denied('identity', 'users', 2_000));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toHaveLength(1);
    const { incident, event } = sent[0]!;
    expect(event).toBe('trigger');
    expect(incident).toMatchObject({
      kind: 'lateral_movement',
      severity: 'high',
      workload: { namespace: 'shop', serviceAccount: 'cart' },
      detectors: ['least_privilege_denials'],
      action: { type: 'alert' },
    });
    expect(JSON.stringify(incident.evidence.allow)).toMatch(/kubectl patch/);
    await r.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('in serve, a mesh-metric sample with a sidecar shadow denial reaches the verifier', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshguard-lp-'));
    const cfg = resolveConfig({
      log_level: 'silent',
      alerts: { channels: [] },
      quarantine: { sink: 'gitops', policies_dir: dir },
      least_privilege: { enabled: true },
    });
    const scoring = await assemble(cfg, { logger: pino({ level: 'silent' }) });
    const g = new CallGraph();
    g.observe(ev({ timeMs: 0, src: CART, dstNamespace: 'shop', podLabels: { app: 'orders' } }));
    const verifier = scoring.responders.leastPrivilege!.verifier;
    await verifier.propose(
      buildAllowPolicies(g.destinations(), { l7: false, dryRun: true, protectedNamespaces: [] }).policies.map(
        istioProposal,
      ),
    );
    // Envoy's RBAC shadow stat as Istio's bootstrap tags it (Istio's "Dry Run" authorization task).
    scoring.onMetricSample!({
      name: 'envoy_http_inbound_0_0_0_0_8080_rbac',
      labels: {
        app: 'orders',
        authz_dry_run_action: 'allow',
        authz_dry_run_result: 'denied',
        namespace: 'shop',
        pod: 'orders-74fb669cc6-95qm8',
      },
      timeMs: Date.now(),
      value: 3,
    });
    expect(verifier.coverage().policies).toEqual([
      expect.objectContaining({ policy: 'meshguard-allow-orders', state: 'dry_run', wouldDeny: 3 }),
    ]);
    await scoring.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('a restarted process restores the verification from the state store when the responders start, for the configured mesh', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshguard-lp-'));
    const clock = new FakeClock();
    const store = new MemoryStateStore();
    const alerts = { notify: async () => {}, shutdown: async () => {} };
    const lp = { ...(Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig), enabled: true };
    const cfg = {
      quarantine: quarantineConfig({ policies_dir: dir, mesh: 'linkerd' }),
      alerts: Value.Default(AlertsConfig, {}) as AlertsConfig,
      trust_domain: 'cluster.local',
      least_privilege: lp,
    };
    const first = createResponders(cfg, settings(clock, store), { alerts, sink: new GitOpsSink(dir) });
    await first.start();
    const g = new CallGraph();
    g.observe(
      ev({
        timeMs: 0,
        src: CART,
        dstNamespace: 'shop',
        podLabels: { app: 'orders' },
        upstreamCluster: 'inbound|8080||',
      }),
    );
    const group = buildLinkerdObjects(g.destinations(), { dryRun: true, protectedNamespaces: [] }).groups[0]!;
    await first.leastPrivilege!.verifier.propose([groupProposal('linkerd', group)]);
    await first.leastPrivilege!.verifier.markProposed();
    await first.shutdown();

    const second = createResponders(cfg, settings(clock, store), { alerts, sink: new GitOpsSink(dir) });
    expect(second.leastPrivilege!.verifier.coverage().policies).toEqual([]);
    await second.start();
    expect(second.leastPrivilege!.learning).toBe(false);
    expect(second.leastPrivilege!.verifier.coverage().policies).toEqual([
      expect.objectContaining({ policy: 'meshguard-allow-orders', mesh: 'linkerd', state: 'dry_run' }),
    ]);
    await second.shutdown();
    await rm(dir, { recursive: true, force: true });
  });
});
