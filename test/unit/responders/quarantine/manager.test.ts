import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../../pipelines/core/delivery.js';
import type { Incident } from '../../../../pipelines/core/incident.js';
import { MemoryStateStore } from '../../../../pipelines/core/state-store.js';
import {
  QuarantineError,
  QuarantineManager,
  type AuthorizationPolicyManifest,
  type PolicySink,
  type QuarantineConfig,
  type QuarantineRecord,
} from '../../../../pipelines/responders/quarantine/index.js';
import type { MeshResource, ResourceRef } from '../../../../pipelines/responders/quarantine/mesh/resource.js';
import { ADMIN_URL, FakeClock, FRONTEND, T0, incident, quarantineConfig, settings } from './fixtures.js';

/** An in-memory sink that records calls and can be told to fail. */
class RecordingSink implements PolicySink {
  readonly name = 'none' as const;
  readonly policies = new Map<string, AuthorizationPolicyManifest>();
  applies = 0;
  deletes = 0;
  failNext: Delivery[] = [];
  async apply(policy: AuthorizationPolicyManifest): Promise<Delivery> {
    this.applies++;
    const fail = this.failNext.shift();
    if (fail) return fail;
    this.policies.set(`${policy.metadata.namespace}/${policy.metadata.name}`, policy);
    return { code: 'ok' };
  }
  async write(policy: MeshResource): Promise<Delivery> {
    return this.apply(policy as AuthorizationPolicyManifest);
  }
  async delete(ref: ResourceRef): Promise<Delivery> {
    this.deletes++;
    const fail = this.failNext.shift();
    if (fail) return fail;
    this.policies.delete(`${ref.namespace}/${ref.name}`);
    return { code: 'ok' };
  }
  async list(): Promise<AuthorizationPolicyManifest[]> {
    return [...this.policies.values()];
  }
  async read(): Promise<undefined> {
    return undefined;
  }
  async listKind(): Promise<MeshResource[]> {
    return [];
  }
}

const noSleep = async (): Promise<void> => {};

function manager(
  opts: {
    cfg?: Partial<QuarantineConfig>;
    clock?: FakeClock;
    sink?: RecordingSink;
    store?: MemoryStateStore;
  } = {},
) {
  const clock = opts.clock ?? new FakeClock();
  const sink = opts.sink ?? new RecordingSink();
  const s = settings(clock, opts.store);
  const cfg = quarantineConfig({ mode: 'enforce', approval_below_severity: 'low', ...opts.cfg });
  const m = new QuarantineManager({ cfg, settings: s, sink, adminUrl: ADMIN_URL, sleep: noSleep });
  return { m, clock, sink, metrics: s.metrics, store: s.state };
}

function workload(i: number) {
  return {
    namespace: 'shop',
    serviceAccount: `sa${i}`,
    principal: `spiffe://cluster.local/ns/shop/sa/sa${i}`,
  };
}

async function counter(
  metrics: ReturnType<typeof manager>['metrics'],
  action: string,
  result: string,
): Promise<number> {
  const m = await metrics.quarantineActions.get();
  return m.values.find((v) => v.labels.action === action && v.labels.result === result)?.value ?? 0;
}

describe('QuarantineManager', () => {
  it('quarantines a high-severity offender: policy applied, action says how to undo', async () => {
    const { m, sink, metrics } = manager();
    const action = await m.decide(incident({ severity: 'critical' }));
    expect(action.type).toBe('quarantine');
    expect(action.mode).toBe('enforce');
    expect(action.policy).toMatch(/^meshguard-quarantine-unauthorized-access-[0-9a-f]{8}$/);
    expect(action.undo).toContain(`kubectl delete authorizationpolicy -n istio-system ${action.policy}`);
    expect(sink.policies.size).toBe(1);
    expect(await counter(metrics, 'apply', 'ok')).toBe(1);
    const gauge = await metrics.quarantinesActive.get();
    expect(gauge.values.find((v) => v.labels.mode === 'enforce')?.value).toBe(1);
  });

  it('dry-run mode applies the policy with the dry-run annotation', async () => {
    const { m, sink } = manager({ cfg: { mode: 'dry-run' } });
    const action = await m.decide(incident());
    expect(action.mode).toBe('dry-run');
    expect([...sink.policies.values()][0]!.metadata.annotations['istio.io/dry-run']).toBe('true');
  });

  describe('guardrails', () => {
    it('never quarantines built-in or configured protected namespaces and principals', async () => {
      const { m, sink } = manager({
        cfg: { protected_namespaces: ['payments'], protected_principals: ['cluster.local/ns/shop/sa/batch'] },
      });
      for (const ns of ['kube-system', 'istio-system', 'meshguard', 'payments']) {
        const action = await m.decide(
          incident({
            workload: {
              namespace: ns,
              serviceAccount: 'x',
              principal: `spiffe://cluster.local/ns/${ns}/sa/x`,
            },
          }),
        );
        expect(action.type, ns).toBe('alert');
        expect(action.reason).toMatch(/protected/);
      }
      const batch = await m.decide(
        incident({
          workload: {
            namespace: 'shop',
            serviceAccount: 'batch',
            principal: 'spiffe://cluster.local/ns/shop/sa/batch',
          },
        }),
      );
      expect(batch.type).toBe('alert');
      const byAddress = await m.decide(
        incident({ workload: { address: '10.0.0.9', namespace: 'kube-system' } }),
      );
      expect(byAddress.type).toBe('alert');
      expect(sink.applies).toBe(0);
      await expect(
        m.quarantineManually(
          { namespace: 'kube-system', serviceAccount: 'coredns', principal: '' },
          'test',
          'alice',
        ),
      ).rejects.toMatchObject({ code: 'forbidden' });
      expect((await m.audit()).filter((e) => e.action === 'skip')).toHaveLength(6);
    });

    it('incidents below min_severity only alert', async () => {
      const { m, sink } = manager({ cfg: { min_severity: 'high' } });
      const action = await m.decide(incident({ severity: 'medium' }));
      expect(action).toMatchObject({ type: 'alert' });
      expect(action.reason).toMatch(/below quarantine\.min_severity \(high\)/);
      expect(sink.applies).toBe(0);
    });

    it('below approval_below_severity the quarantine waits for approval, then applies', async () => {
      const { m, sink, clock } = manager({
        cfg: { min_severity: 'medium', approval_below_severity: 'critical' },
      });
      const action = await m.decide(incident({ severity: 'high' }));
      expect(action).toMatchObject({ type: 'quarantine', mode: 'pending-approval' });
      expect(action.reason).toMatch(/Waiting for approval/);
      expect(sink.applies).toBe(0);

      clock.advance(60_000);
      const approved = await m.approve(action.policy!, 'alice');
      expect(approved).toMatchObject({ state: 'active', mode: 'enforce', approvedBy: 'alice' });
      // The TTL starts at approval.
      expect(approved.expiresAt).toBe(new Date(T0 + 60_000 + 3600_000).toISOString());
      expect(sink.policies.size).toBe(1);
      await expect(m.approve(action.policy!, 'bob')).rejects.toMatchObject({ code: 'conflict' });
      await expect(m.approve('nope', 'bob')).rejects.toBeInstanceOf(QuarantineError);
    });

    it('caps quarantines per window, then waits for approval (never alert only) with the reason', async () => {
      const { m, sink, clock } = manager({ cfg: { max_per_window: 2, cap_window_secs: 600 } });
      clock.now = T0 + 550_000; // late in a 10-minute bucket (T0 starts one)
      expect((await m.decide(incident({ workload: workload(1) }))).type).toBe('quarantine');
      clock.advance(1000);
      expect((await m.decide(incident({ workload: workload(2) }))).type).toBe('quarantine');
      clock.advance(1000);
      const third = await m.decide(incident({ workload: workload(3) }));
      expect(third).toMatchObject({ type: 'quarantine', mode: 'pending-approval' });
      expect(third.reason).toMatch(/blast-radius cap reached: 2 quarantines within 600s/);
      expect(third.reason).toMatch(/on-call is paged/);
      expect(sink.policies.size).toBe(2);
      // Still capped just across a bucket boundary (sliding, not fixed, window)...
      clock.now = T0 + 600_000 + 1000;
      expect((await m.decide(incident({ workload: workload(4) }))).mode).toBe('pending-approval');
      // ...and open again once the window has passed since the earlier quarantines.
      clock.now = T0 + 551_000 + 600_000 + 1;
      expect((await m.decide(incident({ workload: workload(5) }))).mode).toBe('enforce');
      expect(sink.policies.size).toBe(3);
    });
  });

  it('releases expired quarantines on the injected clock and notifies listeners', async () => {
    const { m, sink, clock, metrics } = manager({ cfg: { ttl_secs: 600 } });
    const released: Array<[QuarantineRecord, Incident]> = [];
    m.onRelease((r, i) => released.push([r, i]));
    const inc = incident({ id: 'inc-ttl' });
    const action = await m.decide(inc);
    clock.advance(599_000);
    expect(await m.expireDue(clock.nowMs())).toEqual([]);
    expect(sink.policies.size).toBe(1);
    clock.advance(1000);
    const expired = await m.expireDue(clock.nowMs());
    expect(expired.map((r) => r.id)).toEqual([action.policy]);
    expect(expired[0]).toMatchObject({ state: 'released', releasedBy: 'ttl' });
    expect(sink.policies.size).toBe(0);
    expect(released).toHaveLength(1);
    expect(released[0]![1].id).toBe('inc-ttl');
    expect(await m.expireDue(clock.nowMs())).toEqual([]); // once only
    const gauge = await metrics.quarantinesActive.get();
    expect(gauge.values.find((v) => v.labels.mode === 'enforce')?.value).toBe(0);
    // The offender can be quarantined again after release.
    expect((await m.decide(incident())).type).toBe('quarantine');
  });

  it('is idempotent: a second incident for the same offender returns the existing policy', async () => {
    const { m, sink } = manager();
    const first = await m.decide(incident({ kind: 'scanning' }));
    const second = await m.decide(incident({ kind: 'lateral_movement' }));
    expect(second).toMatchObject({ type: 'quarantine', policy: first.policy });
    expect(second.reason).toMatch(/already quarantined/);
    expect(sink.applies).toBe(1);
  });

  it('two managers sharing one store act once for one offender, even concurrently', async () => {
    const clock = new FakeClock();
    const store = new MemoryStateStore(() => clock.nowMs());
    const sink = new RecordingSink();
    const a = manager({ clock, store, sink });
    const b = manager({ clock, store, sink });
    const [ra, rb] = await Promise.all([a.m.decide(incident()), b.m.decide(incident())]);
    expect(ra.policy).toBe(rb.policy);
    expect(sink.applies).toBe(1);
    expect((await a.m.list()).length).toBe(1);
    expect((await b.m.list()).length).toBe(1);
    // Releasing from one replica is visible to the other, and one release notifies once.
    let notified = 0;
    a.m.onRelease(() => notified++);
    b.m.onRelease(() => notified++);
    clock.advance(3600_000);
    await Promise.all([a.m.expireDue(clock.nowMs()), b.m.expireDue(clock.nowMs())]);
    expect(notified).toBe(1);
    expect(sink.deletes).toBe(1);
  });

  it('keeps an audit trail of every action: who, what, why, when, the policy and the undo', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshguard-audit-'));
    try {
      const file = join(dir, 'audit', 'quarantine.jsonl');
      const { m, clock } = manager({ cfg: { audit_log_file: file } });
      const action = await m.decide(incident({ id: 'inc-audit' }));
      clock.advance(5000);
      await m.release(action.policy!, 'alice (admin API)', 'false positive: load test');
      const trail = await m.audit();
      expect(trail.map((e) => e.action)).toEqual(['quarantine', 'release']);
      expect(trail[0]).toMatchObject({
        actor: 'meshguard',
        incidentId: 'inc-audit',
        quarantineId: action.policy,
        at: new Date(T0).toISOString(),
      });
      expect((trail[0]!.policies?.[0]?.spec as { action?: string }).action).toBe('DENY');
      expect(trail[0]!.undo).toContain('kubectl delete authorizationpolicy');
      expect(trail[1]).toMatchObject({
        actor: 'alice (admin API)',
        reason: 'false positive: load test',
        at: new Date(T0 + 5000).toISOString(),
      });
      const lines = (await readFile(file, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { action: string });
      expect(lines.map((l) => l.action)).toEqual(['quarantine', 'release']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('quarantines and releases by hand', async () => {
    const { m, sink } = manager();
    const record = await m.quarantineManually(
      { address: '10.8.0.15' },
      'seen exfiltrating in the SIEM',
      'bob (admin API)',
    );
    expect(record).toMatchObject({ state: 'active', createdBy: 'bob (admin API)' });
    expect(record.id).toMatch(/^meshguard-quarantine-manual-[0-9a-f]{8}$/);
    expect(record.notEnforced.join(' ')).toMatch(/ephemeral/);
    expect([...sink.policies.values()][0]!.spec.rules[0]!.from[0]!.source.ipBlocks).toEqual(['10.8.0.15/32']);
    // Manual is idempotent too.
    expect((await m.quarantineManually({ address: '10.8.0.15' }, 'again', 'carol')).id).toBe(record.id);
    const released = await m.release(record.id, 'bob', 'done');
    expect(released.state).toBe('released');
    expect(sink.policies.size).toBe(0);
    await expect(m.release(record.id, 'bob', 'twice')).rejects.toMatchObject({ code: 'conflict' });
    await expect(m.release('missing', 'bob', 'x')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('retries retryable sink outcomes, and alerts only (claim freed) on a permanent one', async () => {
    const { m, sink, metrics } = manager({ cfg: { apply_max_attempts: 3 } });
    sink.failNext = [
      { code: 'retryable', error: new Error('503') },
      { code: 'retryable', error: new Error('409') },
    ];
    expect((await m.decide(incident({ workload: workload(1) }))).type).toBe('quarantine');
    expect(sink.applies).toBe(3);

    sink.failNext = [{ code: 'permanent', error: new Error('403 forbidden: RBAC') }];
    const failed = await m.decide(incident({ workload: workload(2) }));
    expect(failed.type).toBe('alert');
    expect(failed.reason).toMatch(/could not be applied.*RBAC/);
    expect(await counter(metrics, 'apply', 'error')).toBe(1);
    expect((await m.list()).find((r) => r.state === 'failed')).toBeDefined();
    // The claim was freed: the next incident for that offender tries again.
    expect((await m.decide(incident({ workload: workload(2) }))).type).toBe('quarantine');
  });

  it('never applies an invalid policy: it is an error, counted and logged', async () => {
    const { m, sink, metrics } = manager({ cfg: { root_namespace: 'Istio_System' } });
    const action = await m.decide(incident());
    expect(action.type).toBe('alert');
    expect(action.reason).toMatch(/failed validation.*DNS-1123/);
    expect(sink.applies).toBe(0);
    expect(await counter(metrics, 'apply', 'invalid')).toBe(1);
    expect((await m.audit())[0]).toMatchObject({ action: 'error' });
  });

  it('never throws on bad input: it answers alert with the reason', async () => {
    const { m } = manager();
    const bad = { ...incident(), workload: { address: 'nonsense' } };
    expect(await m.decide(bad)).toMatchObject({ type: 'alert', reason: expect.stringMatching(/not an IP/) });
    const worse = { ...incident(), workload: undefined } as unknown as Incident;
    expect((await m.decide(worse)).type).toBe('alert');
    expect((await m.decide(null as unknown as Incident)).type).toBe('alert');
  });

  it('is off when quarantine.enabled is false', async () => {
    const { m, sink } = manager({ cfg: { enabled: false } });
    expect((await m.decide(incident())).reason).toMatch(/disabled/);
    expect(sink.applies).toBe(0);
  });

  describe('pending approvals expire too', () => {
    let ctx: ReturnType<typeof manager>;
    beforeEach(() => {
      ctx = manager({ cfg: { approval_below_severity: 'critical', min_severity: 'low', ttl_secs: 60 } });
    });
    afterEach(() => undefined);
    it('an unapproved quarantine is dropped at its TTL without touching the sink', async () => {
      const action = await ctx.m.decide(incident({ severity: 'high', workload: FRONTEND }));
      ctx.clock.advance(60_000);
      const expired = await ctx.m.expireDue(ctx.clock.nowMs());
      expect(expired.map((r) => r.id)).toEqual([action.policy]);
      expect(expired[0]!.releaseReason).toMatch(/not approved/);
      expect(ctx.sink.deletes).toBe(0);
    });
  });
});
