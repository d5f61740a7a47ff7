import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../../pipelines/core/event.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import {
  containToBaseline,
  containmentFor,
} from '../../../../pipelines/responders/least-privilege/contain.js';
import { istioSchemaErrors } from '../../../../pipelines/responders/quarantine/validate.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { evaluate } from '../../../helpers/istio-authz.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');

function call(src: string, ns: string, app: string): MeshEvent {
  return ev({ timeMs: 1, src, dstNamespace: ns, dst: `${app}.${ns}.svc.cluster.local`, podLabels: { app } });
}

describe('contain to baseline', () => {
  const g = new CallGraph();
  for (const e of [
    call(WEB, 'shop', 'cart'),
    call(WEB, 'shop', 'catalog'),
    call(CART, 'shop', 'orders'),
    call(CART, 'payments', 'ledger'),
    call(CART, 'identity', 'users'),
    call(CART, 'kube-system', 'dns'),
  ])
    g.observe(e);
  const plan = containToBaseline(WEB, g.destinations(), ['kube-system']);
  const can = (principal: string, ns: string, app: string): boolean =>
    evaluate(plan.policies, { namespace: ns, labels: { app }, principal, method: 'GET', path: '/' }).allowed;

  it('leaves the offender its learned edges and denies it everything else the graph knows', () => {
    expect(plan.kept).toEqual(['shop/cart', 'shop/catalog']);
    expect(can(WEB, 'shop', 'cart')).toBe(true);
    expect(can(WEB, 'shop', 'catalog')).toBe(true);
    expect(can(WEB, 'shop', 'orders')).toBe(false);
    expect(can(WEB, 'payments', 'ledger')).toBe(false);
    // A workload of a namespace without a learned edge is covered even if the graph never saw it.
    expect(can(WEB, 'identity', 'anything-new')).toBe(false);
  });

  it('changes nothing for anybody else, and never writes to a protected namespace', () => {
    expect(can(CART, 'shop', 'orders')).toBe(true);
    expect(can(CART, 'payments', 'ledger')).toBe(true);
    expect(plan.policies.some((p) => p.metadata.namespace === 'kube-system')).toBe(false);
  });

  it('writes only L4 DENY policies Istio accepts, and says what it cannot cover', async () => {
    for (const p of plan.policies) {
      expect(p.spec.action).toBe('DENY');
      expect(p.spec.rules).toEqual([
        { from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] },
      ]);
      expect(await istioSchemaErrors(p)).toEqual([]);
    }
    expect(plan.notEnforced.join('\n')).toMatch(/namespace shop .* never saw is not covered/);
  });

  it('is for medium severity; high and critical keep the full quarantine', () => {
    expect(['low', 'medium', 'high', 'critical'].map((s) => containmentFor(s as never))).toEqual([
      'none',
      'contain-to-baseline',
      'quarantine',
      'quarantine',
    ]);
  });
});
