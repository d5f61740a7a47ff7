import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../../../pipelines/core/event.js';
import { CallGraph } from '../../../../pipelines/features/call-graph.js';
import { DenialTracker } from '../../../../pipelines/responders/least-privilege/denials.js';
import { buildAllowPolicies } from '../../../../pipelines/responders/least-privilege/istio.js';
import { ev, principalOf } from '../../../helpers/events.js';
import { evaluate } from '../../../helpers/istio-authz.js';

const WEB = principalOf('shop', 'web');
const CART = principalOf('shop', 'cart');
const DENIED = 'rbac_access_denied_matched_policy[none]';

function denied(
  src: string,
  ns: string,
  app: string,
  timeMs: number,
  over: Partial<MeshEvent> = {},
): MeshEvent {
  return ev({
    timeMs,
    src,
    dstNamespace: ns,
    podLabels: { app },
    status: 403,
    responseCodeDetails: DENIED,
    ...over,
  });
}

describe('denied calls after enforcement', () => {
  it('reads several new destinations in a short time as lateral movement', () => {
    const t = new DenialTracker();
    expect(t.observe(denied(CART, 'payments', 'ledger', 1_000))).toBeUndefined();
    const f = t.observe(denied(CART, 'identity', 'users', 2_000))!;
    expect(f.verdict).toBe('lateral_movement');
    expect(f.destinations).toEqual(['identity/users', 'payments/ledger']);
    expect(f.summary).toMatch(/looks like lateral movement/);
    expect(t.observe(denied(CART, 'identity', 'users', 3_000))).toBeUndefined(); // reported once
  });

  it('reads one destination called steadily as a new dependency, and offers the exact change that allows it', () => {
    const g = new CallGraph();
    g.observe(ev({ timeMs: 0, src: WEB, dstNamespace: 'shop', podLabels: { app: 'orders' } }));
    const [policy] = buildAllowPolicies(g.destinations(), {
      l7: false,
      dryRun: false,
      protectedNamespaces: [],
    }).policies;
    const request = {
      namespace: 'shop',
      labels: { app: 'orders' },
      principal: CART,
      method: 'GET',
      path: '/x',
    };
    expect(evaluate([policy!], request).allowed).toBe(false);

    const t = new DenialTracker();
    let finding;
    for (let i = 0; i < 6 && !finding; i++) finding = t.observe(denied(CART, 'shop', 'orders', i * 20_000));
    expect(finding!.verdict).toBe('new_dependency');
    expect(finding!.summary).toMatch(/rollout of a new dependency/);
    const [change] = finding!.allow;
    expect(change!.policy).toBe(policy!.metadata.name);
    expect(change!.command).toContain(
      `kubectl patch authorizationpolicy -n shop ${policy!.metadata.name} --type=json`,
    );
    const widened = structuredClone(policy!);
    widened.spec.rules!.push(change!.rule);
    expect(evaluate([widened], request).allowed).toBe(true);
  });

  it('ignores calls that were not refused by a least-privilege policy', () => {
    const t = new DenialTracker({
      windowMs: 60_000,
      lateralDestinations: 1,
      dependencyCalls: 1,
      dependencyMinSpanMs: 0,
    });
    expect(
      t.observe(denied(CART, 'shop', 'orders', 1, { responseCodeDetails: 'via_upstream', status: 403 })),
    ).toBeUndefined();
    const quarantine =
      'rbac_access_denied_matched_policy[ns[istio-system]-policy[meshguard-quarantine-x]-rule[0]]';
    expect(t.observe(denied(CART, 'shop', 'orders', 1, { responseCodeDetails: quarantine }))).toBeUndefined();
    expect(t.observe(denied(CART, 'shop', 'orders', 1))?.verdict).toBe('lateral_movement');
  });
});
