import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../../pipelines/core/event.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import {
  allowPolicyName,
  buildAllowPolicies,
  type TightenOptions,
} from '../../../../pipelines/responders/least-privilege/istio.js';
import { pathsFor } from '../../../../pipelines/responders/least-privilege/operations.js';
import { validateAllowPolicy } from '../../../../pipelines/responders/least-privilege/validate.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { evaluate } from '../../../helpers/istio-authz.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const BASE: TightenOptions = { l7: false, dryRun: true, protectedNamespaces: [] };

function call(src: string, dstNs: string, app: string, over: Partial<MeshEvent> = {}): MeshEvent {
  return ev({
    timeMs: 1_000,
    src,
    dst: `${app}.${dstNs}.svc.cluster.local`,
    dstNamespace: dstNs,
    dstServiceAccount: app,
    podLabels: { app, version: 'v1', 'security.istio.io/tlsMode': 'istio' },
    ...over,
  });
}

function planOf(events: MeshEvent[], opts: TightenOptions = BASE) {
  const g = new CallGraph();
  for (const e of events) g.observe(e);
  return buildAllowPolicies(g.destinations(), opts);
}

describe('least-privilege Istio policies', () => {
  it('writes one valid ALLOW policy per workload, selecting its stable labels, dry-run and owned', async () => {
    const plan = planOf([
      call(WEB, 'shop', 'orders'),
      call(CART, 'shop', 'orders'),
      call(WEB, 'shop', 'cart'),
    ]);
    expect(plan.policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'shop/meshguard-allow-cart',
      'shop/meshguard-allow-orders',
    ]);
    const orders = plan.policies[1]!;
    expect(orders.spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'orders', 'security.istio.io/tlsMode': 'istio' } },
      rules: [
        {
          from: [
            { source: { principals: ['cluster.local/ns/shop/sa/cart', 'cluster.local/ns/shop/sa/web'] } },
          ],
        },
      ],
    });
    expect(orders.metadata.labels['app.kubernetes.io/managed-by']).toBe('meshguard');
    expect(orders.metadata.labels['meshguard.io/policy-kind']).toBe('least-privilege');
    expect(orders.metadata.annotations['istio.io/dry-run']).toBe('true');
    for (const p of plan.policies) expect(await validateAllowPolicy(p)).toEqual([]);
    const enforced = planOf([call(WEB, 'shop', 'orders')], { ...BASE, dryRun: false });
    expect(enforced.policies[0]!.metadata.annotations).not.toHaveProperty('istio.io/dry-run');
  });

  it('leaves out callers known only by address, with the reason, and skips a workload with no identified caller', () => {
    const plan = planOf([
      call(WEB, 'shop', 'orders'),
      call('ip:10.8.0.15', 'shop', 'orders', { srcAddress: '10.8.0.15' }),
      call('ip:10.8.0.16', 'shop', 'legacy', { srcAddress: '10.8.0.16' }),
    ]);
    expect(plan.leftOut.map((l) => [l.destination, l.caller])).toEqual([
      ['shop/legacy', 'ip:10.8.0.16'],
      ['shop/orders', 'ip:10.8.0.15'],
    ]);
    expect(plan.leftOut[0]!.reason).toMatch(/no mTLS identity/);
    expect(plan.skipped).toEqual([
      expect.objectContaining({ destination: 'shop/legacy', reason: 'no_identified_callers' }),
    ]);
    expect(plan.policies.map((p) => p.metadata.name)).toEqual(['meshguard-allow-orders']);
  });

  it('never tightens protected namespaces nor writes a policy without a selector', () => {
    const plan = planOf(
      [
        call(WEB, 'istio-system', 'istiod'),
        call(WEB, 'secure', 'vault'),
        call(WEB, 'shop', 'orders', { podLabels: {} }),
      ],
      { ...BASE, protectedNamespaces: ['secure'] },
    );
    expect(plan.policies).toEqual([]);
    expect(plan.skipped.map((s) => `${s.destination} ${s.reason}`).sort()).toEqual([
      'istio-system/istiod protected_namespace',
      'secure/vault protected_namespace',
      'shop/orders no_pod_labels',
    ]);
  });

  it('allows nothing to a workload seen only calling, unless told not to', async () => {
    const job = ev({
      timeMs: 1,
      src: principalOf('batch', 'export'),
      direction: 'outbound',
      srcNamespace: 'batch',
      podLabels: { app: 'export' },
    });
    const plan = planOf([call(WEB, 'shop', 'orders'), job]);
    const exportPolicy = plan.policies.find((p) => p.metadata.namespace === 'batch')!;
    expect(exportPolicy.spec).toEqual({ action: 'ALLOW', selector: { matchLabels: { app: 'export' } } });
    expect(await validateAllowPolicy(exportPolicy)).toEqual([]);
    const decision = evaluate(
      [{ ...exportPolicy, metadata: { ...exportPolicy.metadata, annotations: {} } }],
      {
        namespace: 'batch',
        labels: { app: 'export' },
        principal: WEB,
        method: 'GET',
        path: '/',
      },
    );
    expect(decision.allowed).toBe(false);
    expect(planOf([job], { ...BASE, idle: false }).skipped[0]!.reason).toBe('idle');
  });

  it('with L7, allows each caller its own methods and templated paths, and TCP callers by identity only', async () => {
    const events = [
      ...Array.from({ length: 30 }, (_, i) =>
        call(WEB, 'shop', 'orders', { method: 'GET', path: `/api/v1/orders/${1000 + i}?x=1`.split('?')[0]! }),
      ),
      call(WEB, 'shop', 'orders', { method: 'POST', path: '/api/v1/orders' }),
      call(CART, 'shop', 'orders', { method: '', path: '' }),
    ];
    const plan = planOf(events, { ...BASE, l7: true });
    const policy = plan.policies[0]!;
    expect(policy.spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }],
        to: [
          { operation: { methods: ['GET'], paths: ['/api/v1/orders/{*}'] } },
          { operation: { methods: ['POST'], paths: ['/api/v1/orders'] } },
        ],
      },
      { from: [{ source: { principals: ['cluster.local/ns/shop/sa/cart'] } }] },
    ]);
    expect(await validateAllowPolicy(policy)).toEqual([]);
    const asWeb = (method: string, path: string) =>
      evaluate([{ ...policy, metadata: { ...policy.metadata, annotations: {} } }], {
        namespace: 'shop',
        labels: { app: 'orders', version: 'v2', 'security.istio.io/tlsMode': 'istio' },
        principal: WEB,
        method,
        path,
      }).allowed;
    expect(asWeb('GET', '/api/v1/orders/555')).toBe(true);
    expect(asWeb('POST', '/api/v1/orders')).toBe(true);
    expect(asWeb('POST', '/api/v1/orders/555')).toBe(false); // never used: methods × paths are not crossed
    expect(asWeb('GET', '/api/v1/orders/555/items')).toBe(false);
    expect(asWeb('DELETE', '/api/v1/orders/555')).toBe(false);
  });

  it('folds paths that vary too much into {*}, and writes literal wildcards as one segment', () => {
    const users = Array.from(
      { length: 20 },
      (_, i) => `/api/users/user${String.fromCharCode(97 + i)}/profile`,
    );
    expect(pathsFor([...users, '/api/users'])).toEqual(['/api/users', '/api/users/{*}/profile']);
    expect(pathsFor(['/files/*', '/a/{b}/c', '*', '/'])).toEqual(['/', '/a/{*}/c', '/files/{*}']);
    const many = Array.from(
      { length: 60 },
      (_, i) => `/s${i % 3}/x/${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${i}`,
    );
    expect(pathsFor(many, { maxChildrenPerSegment: 100, maxPathsPerMethod: 10 })).toEqual([
      '/s0/{**}',
      '/s1/{**}',
      '/s2/{**}',
    ]);
  });

  it('names policies as DNS-1123 labels, hashing what must be cut', () => {
    expect(allowPolicyName('orders')).toBe('meshguard-allow-orders');
    const long = allowPolicyName('x'.repeat(80));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^meshguard-allow-x+-[0-9a-f]{8}$/);
    expect(allowPolicyName('Orders_V2')).toMatch(/^meshguard-allow-orders-v2-[0-9a-f]{8}$/);
  });

  it('the validator refuses what Istio would read wider than meant', async () => {
    const [policy] = planOf([call(WEB, 'shop', 'orders')]).policies;
    const broken = structuredClone(policy!);
    broken.spec.selector.matchLabels = {};
    broken.spec.rules![0]!.from[0]!.source.principals = ['spiffe://cluster.local/ns/shop/sa/*'];
    broken.spec.rules![0]!.to = [{ operation: { methods: ['GET'], paths: ['/api/*', '/a/{**}/b'] } }];
    const errors = await validateAllowPolicy(broken);
    expect(errors.join('\n')).toMatch(/selector/);
    expect(errors.join('\n')).toMatch(/must be exact/);
    expect(errors.join('\n')).toMatch(/"\/api\/\*"/);
    expect(errors.join('\n')).toMatch(/must be the last segment/);
    const schemaBroken = structuredClone(policy!) as unknown as { spec: { action: string } };
    schemaBroken.spec.action = 'PERMIT';
    expect((await validateAllowPolicy(schemaBroken as never)).join('\n')).toMatch(/Istio schema/);
  });
});
