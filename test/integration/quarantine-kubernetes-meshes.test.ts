/**
 * The kubernetes sink carries every mesh's resources, through @kubernetes/client-node against the local
 * API server stand-in: Linkerd's objects merged into a pre-existing Server (PUT with its resourceVersion,
 * a 409 read and merged again), a ServiceIntentions with other sources, Cilium policies by server-side
 * apply; release puts back exactly what was there. Objects are validated against the vendored CRDs.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  objectKey,
  startApiServerStandIn,
  type ApiServerStandIn,
  type StoredObject,
} from '../helpers/apiserver-stand-in.js';
import { crdErrors } from '../helpers/crd-schema.js';
import type { QuarantineConfig } from '../../pipelines/responders/quarantine/config.js';
import { incident } from '../unit/responders/quarantine/fixtures.js';
import { seedObject, standInManager } from '../helpers/mesh-quarantine.js';

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

const manager = (cfg: Partial<QuarantineConfig>) => standInManager(api, cfg);
const seed = (obj: StoredObject) => seedObject(api, obj);

const RATINGS_SERVER: StoredObject = {
  apiVersion: 'policy.linkerd.io/v1beta3',
  kind: 'Server',
  metadata: { name: 'ratings-http', namespace: 'shop' },
  spec: { podSelector: { matchLabels: { app: 'ratings' } }, port: 9080 },
};

const strip = (o: StoredObject | undefined) => {
  const { resourceVersion: _r, uid: _u, creationTimestamp: _c, managedFields: _m, ...metadata } = o!.metadata;
  return { ...o!, metadata };
};

describe('kubernetes sink, every mesh (stand-in API server)', () => {
  it('Linkerd: merges into a pre-existing Server with PUT at its resourceVersion, retries a 409, restores it exactly', async () => {
    seed(RATINGS_SERVER);
    const m = manager({ mesh: 'linkerd' });
    api.failNext(409, 1, { methods: ['PUT'] });
    const action = await m.decide(
      incident({ evidence: { destinations_denied: ['ratings.shop.svc.cluster.local'] } }),
    );
    expect(action).toMatchObject({ type: 'quarantine', mode: 'enforce' });
    const puts = api.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2); // the 409, then the merge again
    expect((puts[1]!.body as StoredObject).metadata.resourceVersion).toBe('7');
    const server = api.objects.get(objectKey('policy.linkerd.io/v1beta3', 'Server', 'shop', 'ratings-http'))!;
    expect(server.spec).toEqual({ ...(RATINGS_SERVER.spec as object), accessPolicy: 'deny' });
    const mta = api.objects.get(
      objectKey('policy.linkerd.io/v1alpha1', 'MeshTLSAuthentication', 'shop', 'meshguard-ratings-http'),
    )!;
    expect(mta.spec).toEqual({
      identities: ['productpage.shop.serviceaccount.identity.linkerd.cluster.local'],
    });
    for (const o of api.objects.values()) expect(crdErrors(o), o.metadata.name).toEqual([]);
    // No accessPolicy before: release removes the field again, and every meshguard object.
    await m.release(action.policy!, 'alice', 'done');
    expect([...api.objects.keys()]).toEqual([
      objectKey('policy.linkerd.io/v1beta3', 'Server', 'shop', 'ratings-http'),
    ]);
    expect(
      strip(api.objects.get(objectKey('policy.linkerd.io/v1beta3', 'Server', 'shop', 'ratings-http'))),
    ).toEqual(RATINGS_SERVER);
  });

  it('Consul on Kubernetes: merges a deny source into the ServiceIntentions resource, removes exactly it on release', async () => {
    const intentions: StoredObject = {
      apiVersion: 'consul.hashicorp.com/v1alpha1',
      kind: 'ServiceIntentions',
      metadata: { name: 'ratings', namespace: 'shop' },
      spec: {
        destination: { name: 'ratings' },
        sources: [
          { name: '*', action: 'allow' },
          { name: 'web', action: 'allow' },
        ],
      },
    };
    seed(intentions);
    const m = manager({ mesh: 'consul' });
    const action = await m.decide(
      incident({ evidence: { destinations_denied: ['ratings.shop.svc.cluster.local'] } }),
    );
    expect(action.type).toBe('quarantine');
    const key = objectKey('consul.hashicorp.com/v1alpha1', 'ServiceIntentions', 'shop', 'ratings');
    expect(crdErrors(api.objects.get(key)!)).toEqual([]);
    expect((api.objects.get(key)!.spec as { sources: unknown[] }).sources).toEqual([
      { name: '*', action: 'allow' },
      { name: 'web', action: 'allow' },
      expect.objectContaining({ name: 'frontend', action: 'deny' }),
    ]);
    await m.release(action.policy!, 'alice', 'done');
    expect(strip(api.objects.get(key))).toEqual(intentions);
  });

  it('Cilium: server-side applies a CiliumNetworkPolicy and deletes it on release', async () => {
    const m = manager({ mesh: 'cilium' });
    const action = await m.decide(
      incident({
        kind: 'lateral_movement',
        evidence: { new_destinations: ['ledger.payments.svc.cluster.local'] },
      }),
    );
    const patches = api.requests.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.path)).toEqual([
      `/apis/cilium.io/v2/namespaces/shop/ciliumnetworkpolicies/${action.policy}`,
      `/apis/cilium.io/v2/namespaces/payments/ciliumnetworkpolicies/${action.policy}-ingress`,
    ]);
    for (const o of api.objects.values()) expect(crdErrors(o)).toEqual([]);
    expect((await m.sinkPolicies()).map((p) => p.kind)).toEqual([
      'CiliumNetworkPolicy',
      'CiliumNetworkPolicy',
    ]);
    await m.release(action.policy!, 'alice', 'done');
    expect(api.objects.size).toBe(0);
  });
});
