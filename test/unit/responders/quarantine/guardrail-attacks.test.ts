/**
 * The quarantine guardrails against an attacker who wants to spend them or aim them: decoys that spend the
 * blast-radius cap, and offenders that are meshguard's own dependencies or sit in protected namespaces.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../config/validate.js';
import { unauthenticatedInput } from '../../../../services/posture.js';
import type { Incident, WorkloadIdentity } from '../../../../pipelines/core/incident.js';
import { routes } from '../../../../pipelines/responders/alerts/channel-config.js';
import {
  dependencyProtection,
  QuarantineError,
  QuarantineManager,
  type AddressOwnerLookup,
  type QuarantineConfig,
} from '../../../../pipelines/responders/quarantine/index.js';
import { endpointHost, serviceNamespace } from '../../../../pipelines/responders/quarantine/protection.js';
import { ADMIN_URL, FakeClock, T0, incident, quarantineConfig, settings } from './fixtures.js';
import { NoneSink } from '../../../../pipelines/responders/quarantine/index.js';

function manager(cfg: Partial<QuarantineConfig>, protection = dependencyProtection([])) {
  const clock = new FakeClock();
  clock.now = T0;
  const s = settings(clock);
  const m = new QuarantineManager({
    cfg: quarantineConfig({ mode: 'enforce', approval_below_severity: 'low', ...cfg }),
    settings: s,
    sink: new NoneSink(),
    adminUrl: ADMIN_URL,
    sleep: async () => {},
    protection,
  });
  return { m, metrics: s.metrics };
}

const principal = (ns: string, sa: string): WorkloadIdentity => ({
  namespace: ns,
  serviceAccount: sa,
  principal: `spiffe://cluster.local/ns/${ns}/sa/${sa}`,
});

/** A cheap decoy: an address offender, one borderline detector, medium severity. */
function decoy(i: number): Incident {
  return { ...incident({ workload: { address: `10.9.0.${i}` }, severity: 'medium' }), score: 0.6 };
}

describe('the blast-radius cap cannot be spent by decoys', () => {
  it('ten cheap decoys leave room for the real attacker, who is contained', async () => {
    const { m } = manager({ max_per_window: 10, cap_window_secs: 300 });
    const decoys = [];
    for (let i = 1; i <= 10; i++) decoys.push(await m.decide(decoy(i)));
    // Weak evidence may use half the cap; the rest wait for a person instead of being enforced.
    expect(decoys.filter((a) => a.mode === 'enforce')).toHaveLength(5);
    expect(decoys.filter((a) => a.mode === 'pending-approval')).toHaveLength(5);
    expect(decoys.every((a) => a.type === 'quarantine')).toBe(true);
    const real = await m.decide(incident({ workload: principal('shop', 'attacker'), severity: 'critical' }));
    expect(real).toMatchObject({ type: 'quarantine', mode: 'enforce' });
  });

  it('once even strong evidence has spent the cap, the next offender waits for approval and pages on-call', async () => {
    const { m, metrics } = manager({ max_per_window: 3, cap_window_secs: 300 });
    for (let i = 0; i < 3; i++)
      expect((await m.decide(incident({ workload: principal('shop', `d${i}`) }))).mode).toBe('enforce');
    const real = await m.decide(incident({ workload: principal('shop', 'attacker') }));
    expect(real).toMatchObject({ type: 'quarantine', mode: 'pending-approval' });
    expect(real.reason).toMatch(/cap reached.*on-call is paged/);
    expect(await metrics.registry.getSingleMetricAsString('meshguard_quarantine_actions_total')).toContain(
      'result="cap_reached_pending_approval"} 1',
    );
    // A pending approval reaches every channel, even one that only takes critical incidents.
    const pending: Incident = { ...incident({ severity: 'medium' }), action: real };
    expect(routes({ type: 'pagerduty', min_severity: 'critical', timeout_ms: 5000 }, pending)).toBe(true);
    expect(
      routes(
        { type: 'pagerduty', min_severity: 'critical', timeout_ms: 5000 },
        incident({ severity: 'medium' }),
      ),
    ).toBe(false);
    // Approving it applies the quarantine.
    const approved = await m.approve(real.policy!, 'oncall@example.com');
    expect(approved.state).toBe('active');
  });
});

describe("meshguard's own dependencies are protected with no list to keep", () => {
  const protection = dependencyProtection([
    'kafka-0.kafka.streaming.svc.cluster.local:9092',
    'kafka-1.kafka.streaming.svc:9092',
    'redis://:secret@redis.cache.svc.cluster.local:6379/0',
    '10.96.0.1', // KUBERNETES_SERVICE_HOST: the API server
    '10.0.0.7:9092',
  ]);

  it('reads namespaces and addresses from broker lists, Redis URLs and the API server address', () => {
    expect([...protection.namespaces].sort()).toEqual(['cache', 'streaming']);
    expect([...protection.addresses].sort()).toEqual(['10.0.0.7', '10.96.0.1']);
    expect(endpointHost('rediss://user:pw@[fd00::1]:6380')).toBe('fd00::1');
    expect(serviceNamespace('example.com')).toBeUndefined();
  });

  it('never quarantines a workload in a dependency namespace, nor a dependency or API server address', async () => {
    const { m } = manager({}, protection);
    for (const workload of [principal('streaming', 'kafka'), principal('cache', 'redis')]) {
      const action = await m.decide(incident({ workload }));
      expect(action.type).toBe('alert');
      expect(action.reason).toMatch(/protected/);
    }
    for (const address of ['10.96.0.1', '10.0.0.7']) {
      const action = await m.decide(incident({ workload: { address } }));
      expect(action.type).toBe('alert');
      expect(action.reason).toMatch(/meshguard's own dependencies or its API server/);
    }
    await expect(m.quarantineManually(principal('cache', 'redis'), 'by hand', 'admin')).rejects.toThrow(
      QuarantineError,
    );
  });
});

describe('an address offender is checked against protected namespaces through its pod', () => {
  const owners: Record<string, { namespace: string; pod: string }> = {
    '10.8.0.2': { namespace: 'istio-system', pod: 'istio-ingressgateway-7d9f' },
    '10.8.0.3': { namespace: 'kube-system', pod: 'coredns-5d78' },
    '10.8.0.4': { namespace: 'shop', pod: 'cart-6c5b' },
  };
  const addressOwner: AddressOwnerLookup = (ip) => owners[ip];

  it('an address bound to a gateway or kube-system pod is never quarantined; one in an ordinary namespace is', async () => {
    const { m } = manager({}, dependencyProtection([], addressOwner));
    for (const address of ['10.8.0.2', '10.8.0.3']) {
      const action = await m.decide(incident({ workload: { address } }));
      expect(action.type).toBe('alert');
      expect(action.reason).toMatch(/bound to pod (istio|kube)-system\/.* in a protected namespace/);
    }
    expect(await m.decide(incident({ workload: { address: '10.8.0.4' } }))).toMatchObject({
      type: 'quarantine',
      mode: 'enforce',
    });
  });
});

describe('an address the client could have chosen is never quarantined', () => {
  it('an incident whose address came from X-Forwarded-For alerts only; the direct peer is quarantined', async () => {
    const { m, metrics } = manager({});
    const claimed = incident({ workload: { address: '10.8.0.5' } });
    claimed.evidence = { ...claimed.evidence, address_direct: false };
    const action = await m.decide(claimed);
    expect(action.type).toBe('alert');
    expect(action.reason).toMatch(/what the client claimed/);
    const skipped = (await metrics.quarantineActions.get()).values.find(
      (v) => v.labels.result === 'unproven_address',
    );
    expect(skipped?.value).toBe(1);
    const direct = incident({ workload: { address: '10.8.0.6' } });
    direct.evidence = { ...direct.evidence, address_direct: true };
    expect(await m.decide(direct)).toMatchObject({ type: 'quarantine', mode: 'enforce' });
  });
});

describe('once the pods are known, an address offender must be bound to one now', () => {
  const owners: Record<string, { namespace: string; pod: string }> = {
    '10.8.0.4': { namespace: 'shop', pod: 'cart-6c5b' },
  };
  const addressOwner: AddressOwnerLookup = (ip) => owners[ip];

  it('an address bound to no pod alerts only; a bound one is quarantined; unknown pods check nothing', async () => {
    const { m } = manager(
      {},
      dependencyProtection([], addressOwner, () => true),
    );
    const stale = await m.decide(incident({ workload: { address: '10.8.0.99' } }));
    expect(stale.type).toBe('alert');
    expect(stale.reason).toMatch(/bound to no pod meshguard knows/);
    expect(await m.decide(incident({ workload: { address: '10.8.0.4' } }))).toMatchObject({
      type: 'quarantine',
    });
    // Without a pod watch or a pod-IP file (a replay, a cluster meshguard cannot list), the IP is used as is.
    const { m: blind } = manager(
      {},
      dependencyProtection([], addressOwner, () => false),
    );
    expect(await blind.decide(incident({ workload: { address: '10.8.0.99' } }))).toMatchObject({
      type: 'quarantine',
    });
  });
});

describe('records anyone could have written never quarantine on their own', () => {
  it('with ingest open to the network or Kafka without SASL, even a critical incident waits for approval', async () => {
    const open = resolveConfig({ http: { host: '0.0.0.0' }, ingest: { allow_unauthenticated: true } });
    const why = unauthenticatedInput(open);
    expect(why).toMatch(/ingest accepts records from anyone/);
    // A token, or ingest on loopback only: the channel is authenticated (or local).
    expect(
      unauthenticatedInput(resolveConfig({ http: { host: '0.0.0.0' }, ingest: { token: 't' } })),
    ).toBeUndefined();
    expect(
      unauthenticatedInput(
        resolveConfig({ http: { host: '127.0.0.1' }, ingest: { allow_unauthenticated: true } }),
      ),
    ).toBeUndefined();

    // Kafka without SASL takes records from anyone who reaches it, unless the deployer vouches for its ACLs.
    const kafka = { brokers: ['kafka.streaming.svc:9092'] };
    expect(unauthenticatedInput(resolveConfig({ kafka }))).toMatch(/Kafka takes records from anyone/);
    expect(
      unauthenticatedInput(resolveConfig({ kafka: { ...kafka, allow_unauthenticated: true } })),
    ).toBeUndefined();
    expect(
      unauthenticatedInput(
        resolveConfig({
          kafka: { ...kafka, sasl: { mechanism: 'scram-sha-512', username: 'm', password: 'p' } },
        }),
      ),
    ).toBeUndefined();
    expect(unauthenticatedInput(resolveConfig({}))).toBeUndefined(); // the embedded bus

    const { m } = manager({}, { ...dependencyProtection([]), unauthenticatedInput: why! });
    const action = await m.decide(
      incident({ workload: principal('shop', 'attacker'), severity: 'critical' }),
    );
    expect(action).toMatchObject({ type: 'quarantine', mode: 'pending-approval' });
    expect(action.reason).toMatch(/could be forged/);
    const { m: authenticated } = manager({});
    expect(
      await authenticated.decide(incident({ workload: principal('shop', 'attacker'), severity: 'critical' })),
    ).toMatchObject({ type: 'quarantine', mode: 'enforce' });
  });
});
