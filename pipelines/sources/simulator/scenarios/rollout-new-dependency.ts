import { appWorkloads, neverCalled, type ScenarioDefinition } from '../scenario.js';
import { arrivals, diurnal, requestFor } from '../traffic.js';
import { MINUTE } from './helpers.js';

/**
 * A new release makes a service call ONE dependency it never called before (a feature flag flipped), at a
 * modest, steady rate with the usual status mix. The rate ramps up over five minutes as pods roll.
 */
export const rolloutNewDependency: ScenarioDefinition = {
  name: 'rollout_new_dependency',
  description: 'A service starts calling exactly one new dependency after a rollout.',
  attack: false,
  acceptableKinds: [],
  durationMs: 20 * MINUTE,
  candidates: (t) =>
    appWorkloads(t).filter(
      (w) => t.outgoing(w).length > 0 && neverCalled(t, w).some((x) => x.kind === 'api' || x.kind === 'data'),
    ),
  plan(ctx) {
    const t = ctx.topology;
    const fresh = neverCalled(t, ctx.actor).filter((x) => x.kind === 'api' || x.kind === 'data');
    const sameNs = fresh.filter((x) => x.namespace === ctx.actor.namespace);
    const target = ctx.rng.pick(sameNs.length > 0 ? sameNs : fresh);
    const eps = target.endpoints.filter((e) => e.profile !== 'health');
    const usual =
      t.outgoing(ctx.actor).reduce((s, e) => s + e.baseRate, 0) / Math.max(1, t.outgoing(ctx.actor).length);
    const rate = Math.max(0.2, usual * ctx.rng.uniform(0.3, 0.8));
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        const ramp = Math.min(1, (tickMs - ctx.startMs) / (5 * MINUTE) + 0.1);
        arrivals(rate * ramp * diurnal(tickMs), tickMs, rng, (time) =>
          emit(
            requestFor(
              ctx.actor,
              target,
              rng.pick(eps.length > 0 ? eps : target.endpoints),
              time,
              rng,
              ctx.label,
            ),
          ),
        );
      },
    };
  },
};
