import { appWorkloads, craft, during, type ScenarioDefinition } from '../scenario.js';
import { fillPath } from '../traffic.js';
import { MINUTE, rbacDetails, shuffled } from './helpers.js';

/**
 * Probing what the stolen identity may reach: ordinary-looking requests to many services, refused by
 * AuthorizationPolicies at the receiving sidecars (403, `rbac_access_denied_matched_policy[...]`).
 */
export const rbacProbing: ScenarioDefinition = {
  name: 'rbac_probing',
  description: '403 rbac_access_denied_matched_policy responses across many services from one caller.',
  attack: true,
  acceptableKinds: ['unauthorized_access'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const t = ctx.topology;
    const known = new Set(t.outgoing(ctx.actor).map((e) => e.dst));
    const others = t.workloads.filter(
      (w) => w !== ctx.actor && w.sidecar && w.kind !== 'gateway' && !known.has(w),
    );
    const targets = shuffled(others, ctx.rng).slice(0, Math.min(8, others.length));
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(1.5, 3);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const dst = rng.pick(targets);
          const e = rng.pick(dst.endpoints);
          const denied = rng.chance(0.92);
          emit(
            craft(ctx, rng, time, dst, {
              method: e.method,
              path: fillPath(e.path, rng),
              status: denied ? 403 : 404,
              details: denied ? rbacDetails(dst.namespace, `${dst.name}-allow-callers`) : 'via_upstream',
              bytesUp: e.reqBytes > 0 ? rng.int(100, 800) : 0,
              bytesDown: denied ? 19 : rng.int(20, 120),
              durationMs: denied ? 0 : rng.int(2, 10),
            }),
          );
        });
      },
    };
  },
};
