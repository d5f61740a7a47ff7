import { craft, during, type ScenarioDefinition } from '../scenario.js';
import { callersFirst, loginAttempt, loginService, MINUTE } from './helpers.js';

/**
 * A compromised workload replays a leaked username/password list against the login endpoint: a steady
 * ~7 attempts/s for four minutes, 9 in 10 rejected with 401, a few accounts actually opened.
 */
export const credentialStuffing: ScenarioDefinition = {
  name: 'credential_stuffing',
  description: 'Many POST /login attempts from one caller, mostly 401, a few successes.',
  attack: true,
  acceptableKinds: ['unauthorized_access'],
  durationMs: 4 * MINUTE,
  candidates: (t) => callersFirst(t, loginService).filter((w) => !loginService(w)),
  plan(ctx) {
    const t = ctx.topology;
    const target =
      t.workloads.find(loginService) ??
      t.workloads.find((w) => w.kind === 'api' && w !== ctx.actor) ??
      ctx.actor;
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(5, 9);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const ok = rng.chance(0.07);
          emit(
            craft(ctx, rng, time, target, { ...loginAttempt(rng, ok), userAgent: 'python-requests/2.28.2' }),
          );
        });
      },
    };
  },
};
