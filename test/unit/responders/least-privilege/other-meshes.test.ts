import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../../pipelines/core/event.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import {
  buildConsulIntentions,
  buildLinkerdObjects,
} from '../../../../pipelines/responders/least-privilege/other-meshes.js';
import { ev, principalOf } from '../../../helpers/events.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');

function call(src: string, app: string, port: number, over: Partial<MeshEvent> = {}): MeshEvent {
  return ev({
    timeMs: 1,
    src,
    dstNamespace: 'shop',
    podLabels: { app, 'pod-template-hash': 'abc12' },
    upstreamCluster: `inbound|${port}||`,
    ...over,
  });
}

function graph(): CallGraph {
  const g = new CallGraph();
  for (const e of [
    call(WEB, 'orders', 8080, { srcWorkload: 'web' }),
    call(CART, 'orders', 8080, { srcWorkload: 'cart' }),
    call(CART, 'orders', 9090, { srcWorkload: 'cart' }),
    call('ip:10.0.0.9', 'orders', 8080, { srcAddress: '10.0.0.9' }),
  ])
    g.observe(e);
  return g;
}

describe('least privilege for Linkerd', () => {
  it('writes a Server per learned port, in audit mode for dry-run, and authorizes the callers by ServiceAccount', () => {
    const plan = buildLinkerdObjects(graph().destinations(), { dryRun: true, protectedNamespaces: [] });
    expect(plan.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'MeshTLSAuthentication/meshguard-allow-orders-callers',
      'Server/meshguard-allow-orders-8080',
      'AuthorizationPolicy/meshguard-allow-orders-8080',
      'Server/meshguard-allow-orders-9090',
      'AuthorizationPolicy/meshguard-allow-orders-9090',
    ]);
    const [authn, server, policy] = plan.objects;
    expect(authn!.spec).toEqual({
      identityRefs: [
        { kind: 'ServiceAccount', name: 'cart', namespace: 'shop' },
        { kind: 'ServiceAccount', name: 'web', namespace: 'shop' },
      ],
    });
    expect(server!.spec).toEqual({
      podSelector: { matchLabels: { app: 'orders' } },
      port: 8080,
      accessPolicy: 'audit',
    });
    expect(policy!.spec).toEqual({
      targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: 'meshguard-allow-orders-8080' },
      requiredAuthenticationRefs: [
        { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'meshguard-allow-orders-callers' },
      ],
    });
    expect(plan.leftOut.map((l) => l.caller)).toEqual(['ip:10.0.0.9']);
    const enforced = buildLinkerdObjects(graph().destinations(), { dryRun: false, protectedNamespaces: [] });
    expect(enforced.objects.find((o) => o.kind === 'Server')!.spec.accessPolicy).toBe('deny');
  });

  it("allows callers known by Linkerd's own proxy identity, on the port the authority names", () => {
    const g = new CallGraph();
    const id = 'web.shop.serviceaccount.identity.linkerd.cluster.local';
    g.observe(
      ev({
        timeMs: 1,
        src: id,
        srcPrincipal: id,
        dstNamespace: 'shop',
        podLabels: { app: 'orders' },
        authority: 'orders.shop.svc.cluster.local:8080',
      }),
    );
    const plan = buildLinkerdObjects(g.destinations(), { dryRun: true, protectedNamespaces: [] });
    expect(plan.leftOut).toEqual([]);
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0]).toMatchObject({
      namespace: 'shop',
      name: 'meshguard-allow-orders',
      workload: 'orders',
    });
    expect(plan.groups[0]!.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'MeshTLSAuthentication/meshguard-allow-orders-callers',
      'Server/meshguard-allow-orders-8080',
      'AuthorizationPolicy/meshguard-allow-orders-8080',
    ]);
    expect(plan.groups[0]!.objects[0]!.spec).toEqual({
      identityRefs: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    });
  });
});

describe('least privilege for Consul', () => {
  it('allows each learned source service and denies every other, and says Consul has no dry-run', () => {
    const plan = buildConsulIntentions(graph().destinations(), { dryRun: true, protectedNamespaces: [] });
    expect(plan.objects).toHaveLength(1);
    expect(plan.objects[0]!.kind).toBe('ServiceIntentions');
    expect(plan.objects[0]!.spec).toEqual({
      destination: { name: 'orders' },
      sources: [
        { name: 'cart', action: 'allow' },
        { name: 'web', action: 'allow' },
        { name: '*', action: 'deny' },
      ],
    });
    expect(plan.notes.join(' ')).toMatch(/Consul has no dry-run/);
    expect(plan.objects[0]!.metadata.name).toBe('orders'); // one ServiceIntentions per destination
    expect(plan.groups[0]?.allowedSources).toEqual(['cart', 'web']);
  });

  it("allows callers known by Consul's service identity, by service name", () => {
    const g = new CallGraph();
    const id = 'spiffe://1111.consul/ns/default/dc/dc1/svc/billing';
    g.observe(ev({ timeMs: 1, src: id, dstNamespace: 'shop', podLabels: { app: 'orders' } }));
    const plan = buildConsulIntentions(g.destinations(), { dryRun: true, protectedNamespaces: [] });
    expect(plan.leftOut).toEqual([]);
    expect(plan.objects[0]!.spec).toMatchObject({
      sources: [{ name: 'billing', action: 'allow' }, { name: '*' }],
    });
  });
});
