import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../pipelines/core/event.js';
import { CallGraph } from '../../../pipelines/features/call-graph.js';
import { ev, principalOf } from '../../helpers/events.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const ORDERS_POD = { app: 'orders', version: 'v1', 'pod-template-hash': '7d9f' };

/** An inbound record at the orders pod (the destination's sidecar wrote it). */
function inbound(src: string, over: Partial<MeshEvent> = {}): MeshEvent {
  return ev({
    timeMs: 1_000,
    src,
    dstNamespace: 'shop',
    dstServiceAccount: 'orders',
    podLabels: ORDERS_POD,
    ...over,
  });
}

describe('call graph', () => {
  it('learns each caller of a destination workload with its methods and id-templated routes', () => {
    const g = new CallGraph();
    g.observe(inbound(WEB, { method: 'GET', path: '/api/v1/orders/83121' }));
    g.observe(inbound(WEB, { method: 'GET', path: '/api/v1/orders/99', timeMs: 5_000 }));
    g.observe(inbound(CART, { method: 'POST', path: '/api/v1/orders' }));
    const [orders] = g.destinations();
    expect(orders!.key).toBe('shop/orders');
    expect(orders!.hosts).toEqual(new Set(['orders.shop.svc.cluster.local']));
    const web = orders!.callers.get(WEB)!;
    expect(web.requests).toBe(2);
    expect(web.lastSeenMs - web.firstSeenMs).toBe(4_000);
    expect(web.routes).toEqual(new Map([['GET', new Set(['/api/v1/orders/{*}'])]]));
    expect(orders!.callers.get(CART)!.routes.get('POST')).toEqual(new Set(['/api/v1/orders']));
  });

  it('keeps only the labels every pod carried', () => {
    const g = new CallGraph();
    g.observe(inbound(WEB));
    g.observe(inbound(WEB, { podLabels: { app: 'orders', version: 'v2', 'pod-template-hash': '11aa' } }));
    expect(g.destinations()[0]!.labels).toEqual({ app: 'orders' });
  });

  it('learns only in the event-time window, and never a call a policy already denied', () => {
    const g = new CallGraph(undefined, { sinceMs: 2_000, untilMs: 3_000 });
    expect(g.observe(inbound(WEB, { timeMs: 1_999 }))).toBe(false);
    expect(g.observe(inbound(WEB, { timeMs: 3_000 }))).toBe(false);
    expect(
      g.observe(
        inbound(CART, {
          timeMs: 2_500,
          status: 403,
          responseCodeDetails: 'rbac_access_denied_matched_policy[none]',
        }),
      ),
    ).toBe(false);
    expect(g.observe(inbound(WEB, { timeMs: 2_000 }))).toBe(true);
    expect([...g.destinations()[0]!.callers.keys()]).toEqual([WEB]);
    expect(g.ignored.get('outside_window')).toBe(2);
    expect(g.ignored.get('denied_by_policy')).toBe(1);
  });

  it('adds callers seen only by their own sidecar to the destination that owns the host', () => {
    const g = new CallGraph();
    g.observe(inbound(WEB));
    g.observe(
      ev({
        timeMs: 1_000,
        src: CART,
        direction: 'outbound',
        srcNamespace: 'shop',
        podLabels: { app: 'cart' },
        method: 'PUT',
        path: '/api/v1/orders/7',
      }),
    );
    g.observe(
      ev({ timeMs: 1_000, src: CART, direction: 'outbound', dst: 'unknown.other.svc.cluster.local' }),
    );
    const orders = g.destinations().find((d) => d.key === 'shop/orders')!;
    expect([...orders.callers.keys()].sort()).toEqual([CART, WEB]);
    expect(orders.callers.get(CART)!.routes.get('PUT')).toEqual(new Set(['/api/v1/orders/{*}']));
    expect(g.unresolvedHosts()).toEqual(['unknown.other.svc.cluster.local']);
    // The caller itself was never called: a destination with no caller, its labels from its own records.
    const cart = g.destinations().find((d) => d.key === 'shop/cart')!;
    expect(cart.callers.size).toBe(0);
    expect(cart.labels).toEqual({ app: 'cart' });
  });

  it('marks TCP callers and ignores egress', () => {
    const g = new CallGraph();
    g.observe(inbound(WEB, { method: '', path: '' }));
    g.observe(ev({ timeMs: 1, src: WEB, direction: 'outbound', egress: true, dst: 'api.stripe.com' }));
    expect(g.destinations()[0]!.callers.get(WEB)!.tcp).toBe(true);
    expect(g.ignored.get('egress')).toBe(1);
  });

  it('counts what the caps drop instead of growing without bound', () => {
    const g = new CallGraph({ maxDestinations: 10, maxCallersPerDestination: 2, maxRoutesPerCaller: 3 });
    for (let i = 0; i < 5; i++) g.observe(inbound(principalOf('shop', `c${i}`)));
    for (let i = 0; i < 5; i++) g.observe(inbound(principalOf('shop', 'c0'), { path: `/r/x${i}` }));
    const [orders] = g.destinations();
    expect(orders!.callers.size).toBe(2);
    expect(g.ignored.get('over_capacity')).toBe(3);
    expect(orders!.callers.get(principalOf('shop', 'c0'))!.routesDropped).toBe(3);
  });
});
