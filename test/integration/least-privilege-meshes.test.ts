/**
 * Service-mode verification for Linkerd (Kubernetes API stand-in) and Consul (Consul HTTP stand-in):
 * Linkerd's objects applied in audit mode, its proxies' audit counters counted as would-be denials,
 * promotion to `accessPolicy: deny`; Consul's intentions evaluated in-process against live calls (Consul
 * has no dry-run) and written, with check-and-set, only on promotion. Every object is validated against
 * the vendored CRD schemas.
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import type { MetricSample } from '../../pipelines/metrics/sample.js';
import { LeastPrivilegeConfig } from '../../pipelines/responders/least-privilege/config.js';
import { LeastPrivilegeLoop } from '../../pipelines/responders/least-privilege/service-loop.js';
import { LeastPrivilegeVerifier } from '../../pipelines/responders/least-privilege/verify.js';
import { AuditTrail } from '../../pipelines/responders/quarantine/audit-trail.js';
import { ConsulSink } from '../../pipelines/responders/quarantine/index.js';
import type { PolicySink } from '../../pipelines/responders/quarantine/sinks/sink.js';
import {
  ensureKubernetesClientLoads,
  objectKey,
  startApiServerStandIn,
  type ApiServerStandIn,
  type StoredObject,
} from '../helpers/apiserver-stand-in.js';
import { ConsulStandIn } from '../helpers/consul-stand-in.js';
import { crdErrors } from '../helpers/crd-schema.js';
import { ev } from '../helpers/events.js';
import { FakeClock, quarantineConfig, settings } from '../unit/responders/quarantine/fixtures.js';

ensureKubernetesClientLoads();
const { KubeConfig } = await import('@kubernetes/client-node');
const { KubernetesSink } = await import('../../pipelines/responders/quarantine/sinks/kubernetes.js');

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const LP = {
  ...(Value.Default(LeastPrivilegeConfig, {}) as LeastPrivilegeConfig),
  learn_secs: 3600,
  clean_period_secs: DAY / 1000,
  require_approval: false,
};
const L5D = 'policy.linkerd.io';

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
  api.requests.length = 0;
  consul.entries.clear();
  consul.requests.length = 0;
});

function loopFor(mesh: 'linkerd' | 'consul', sink: PolicySink) {
  const clock = new FakeClock();
  const s = settings(clock);
  const qcfg = quarantineConfig({ mesh, protected_namespaces: ['ops'] });
  const audit = new AuditTrail(qcfg, s.state, clock, s.logger);
  const verifier = new LeastPrivilegeVerifier({
    cfg: LP,
    quarantine: qcfg,
    sink,
    audit,
    state: s.state,
    clock,
    metrics: s.metrics,
    logger: s.logger,
  });
  const loop = new LeastPrivilegeLoop(verifier, LP, ['ops'], clock, s.logger, mesh);
  return { loop, verifier, clock, audit };
}

function kubernetesSink() {
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfigYaml());
  return new KubernetesSink({ kubeConfig: kc, metrics: settings(new FakeClock()).metrics });
}

/** What the API server would validate: the stored object without the fields it adds itself. */
function schemaErrorsOf(o: StoredObject): string[] {
  const { resourceVersion: _r, uid: _u, creationTimestamp: _c, managedFields: _m, ...metadata } = o.metadata;
  const stripped: StoredObject = { ...o, metadata };
  return crdErrors(stripped);
}

/** A Linkerd proxy's inbound access record at shop/orders (the authority carries the port). */
const linkerdCall = (sa: string): MeshEvent =>
  ev({
    timeMs: 0,
    src: `${sa}.shop.serviceaccount.identity.linkerd.cluster.local`,
    srcPrincipal: `${sa}.shop.serviceaccount.identity.linkerd.cluster.local`,
    srcNamespace: 'shop',
    srcServiceAccount: sa,
    dstNamespace: 'shop',
    authority: 'orders.shop.svc.cluster.local:8080',
    podLabels: { app: 'orders', 'pod-template-hash': '5f7b9d8c6d' },
  });

/** Linkerd's audit counter at an orders pod, as Prometheus scraped it. */
const audited = (value: number): MetricSample => ({
  name: 'inbound_http_authz_allow_total',
  labels: {
    authz_name: 'audit',
    srv_name: 'meshguard-allow-orders-8080',
    namespace: 'shop',
    pod: 'orders-5f7b9d8c6d-x2x9k',
    app: 'orders',
  },
  timeMs: 0,
  value,
});

const server = () =>
  api.objects.get(objectKey(`${L5D}/v1beta3`, 'Server', 'shop', 'meshguard-allow-orders-8080'));

describe('least-privilege verification for Linkerd (stand-in API server)', () => {
  it('applies the objects in audit mode, counts audited calls, and promotes to deny after a clean period', async () => {
    const { loop, verifier, clock, audit } = loopFor('linkerd', kubernetesSink());
    loop.onEvent(linkerdCall('web'));
    loop.onEvent(linkerdCall('cart'));
    clock.advance(HOUR);
    await loop.tick();
    expect([...api.objects.values()].map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/meshguard-allow-orders-8080',
      'MeshTLSAuthentication/meshguard-allow-orders-callers',
      'Server/meshguard-allow-orders-8080',
    ]);
    for (const o of api.objects.values()) expect(schemaErrorsOf(o)).toEqual([]);
    expect(server()?.spec).toMatchObject({
      accessPolicy: 'audit',
      port: 8080,
      podSelector: { matchLabels: { app: 'orders' } },
    });
    const authn = api.objects.get(
      objectKey(`${L5D}/v1alpha1`, 'MeshTLSAuthentication', 'shop', 'meshguard-allow-orders-callers'),
    );
    expect(authn?.spec).toEqual({
      identityRefs: [
        { kind: 'ServiceAccount', name: 'cart', namespace: 'shop' },
        { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
      ],
    });

    // A caller the policy does not authorize, let through and counted by the proxy in audit mode.
    clock.advance(12 * HOUR);
    loop.onMetricSample(audited(3));
    expect(verifier.coverage().policies[0]).toMatchObject({
      policy: 'meshguard-allow-orders',
      mesh: 'linkerd',
      state: 'dry_run',
      wouldDeny: 3,
      cleanSince: new Date(clock.now).toISOString(),
    });
    clock.advance(DAY - 1000);
    await loop.tick();
    expect(server()?.spec).toMatchObject({ accessPolicy: 'audit' });
    clock.advance(1000);
    await loop.tick();
    expect(server()?.spec).toMatchObject({ accessPolicy: 'deny' });
    expect(server()?.metadata.annotations?.['meshguard.io/dry-run']).toBeUndefined();
    expect(schemaErrorsOf(server()!)).toEqual([]);
    expect(verifier.coverage().destinations).toEqual({ enforced: 1, dry_run: 0, uncovered: 0 });
    const promoted = (await audit.read()).find((e) => e.action === 'least-privilege-promote')!;
    expect(promoted.undo).toBe(
      `kubectl patch server.policy.linkerd.io -n shop meshguard-allow-orders-8080 --type=merge -p '{"spec":{"accessPolicy":"audit"}}'`,
    );

    await verifier.release('shop', 'meshguard-allow-orders', 'bob', 'breaks the batch job');
    expect(api.objects.size).toBe(0);
    // The Server goes first: the authorizations never disappear under a deny Server.
    const deletes = api.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-2));
    expect(deletes).toEqual(['servers', 'meshtlsauthentications', 'authorizationpolicies']);
  });

  it('a proposal the API server refuses part way is taken out again and reported', async () => {
    const real = kubernetesSink();
    let applies = 0;
    // The second object (the Server) is refused by the API server.
    const sink: PolicySink = Object.assign(Object.create(real) as PolicySink, {
      apply: async (r: Parameters<PolicySink['apply']>[0]) => {
        if (++applies === 2) api.failNext(403, 1, { methods: ['PATCH'] });
        return real.apply(r);
      },
    });
    const { verifier, loop, clock, audit } = loopFor('linkerd', sink);
    loop.onEvent(linkerdCall('web'));
    clock.advance(HOUR);
    await loop.tick();
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    const error = (await audit.read()).find((e) => e.action === 'error');
    expect(error?.reason).toMatch(/Server shop\/meshguard-allow-orders-8080: .*403/);
    expect(api.objects.size).toBe(0);
    expect(verifier.coverage().policies).toEqual([]);
  });
});

/** Consul's Envoy access record at the orders service, caller by its Consul service identity. */
const consulCall = (svc: string): MeshEvent =>
  ev({
    timeMs: 0,
    src: `spiffe://1111.consul/ns/default/dc/dc1/svc/${svc}`,
    srcPrincipal: `spiffe://1111.consul/ns/default/dc/dc1/svc/${svc}`,
    dstNamespace: 'shop',
    podLabels: { app: 'orders' },
  });

const entry = () => consul.entries.get('service-intentions/orders');

describe('least-privilege verification for Consul (Consul HTTP stand-in)', () => {
  it('writes nothing while verifying, counts the calls the intentions would deny, then writes them', async () => {
    const { loop, verifier, clock, audit } = loopFor('consul', new ConsulSink({ address: consul.url }));
    loop.onEvent(consulCall('web'));
    clock.advance(HOUR);
    await loop.tick();
    expect(consul.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(verifier.coverage().policies[0]).toMatchObject({ mesh: 'consul', state: 'dry_run', wouldDeny: 0 });
    const dryRun = (await audit.read()).find((e) => e.action === 'least-privilege-dry-run')!;
    expect(dryRun.reason).toMatch(/no dry-run/);
    expect(crdErrors(dryRun.policies![0]!)).toEqual([]);

    loop.onEvent(consulCall('web')); // allowed
    clock.advance(HOUR);
    loop.onEvent(consulCall('billing')); // not a learned source: the * deny would refuse it
    const deniedAt = clock.now;
    expect(verifier.coverage().policies[0]).toMatchObject({
      wouldDeny: 1,
      cleanSince: new Date(deniedAt).toISOString(),
    });
    clock.advance(DAY);
    await loop.tick();
    expect(entry()?.Sources?.map((s) => `${String(s.Name)}:${String(s.Action)}`)).toEqual([
      'web:allow',
      '*:deny',
    ]);
    expect(consul.requests.find((r) => r.method === 'PUT')?.query.cas).toBe('0');
    expect(verifier.coverage().policies[0]?.state).toBe('enforced');

    await verifier.release('shop', 'meshguard-allow-orders', 'bob', 'rollback');
    expect(entry()).toBeUndefined();
  });

  it('never overwrites intentions someone else wrote for the destination', async () => {
    consul.seed({
      Kind: 'service-intentions',
      Name: 'orders',
      Sources: [{ Name: 'reporting', Action: 'allow' }],
    });
    const { loop, verifier, clock } = loopFor('consul', new ConsulSink({ address: consul.url }));
    loop.onEvent(consulCall('web'));
    clock.advance(HOUR);
    await loop.tick();
    clock.advance(DAY);
    await loop.tick(); // due, but the entry is not least privilege's: not promoted, retried later
    expect(entry()?.Sources).toEqual([{ Name: 'reporting', Action: 'allow' }]);
    expect(verifier.coverage().policies[0]?.state).toBe('dry_run');
    await expect(verifier.release('shop', 'meshguard-allow-orders', 'bob', 'x')).resolves.toBeUndefined();
    expect(entry()?.Sources).toEqual([{ Name: 'reporting', Action: 'allow' }]);
  });
});
