import { craft, during, type ScenarioDefinition } from '../scenario.js';
import type { Workload } from '../topology.js';
import { callersFirst, MINUTE } from './helpers.js';

function enumerable(w: Workload): boolean {
  return w.endpoints.some((e) => /\/api\/v1\/(users|orders|customers)\/\{id\}$/.test(e.path));
}

/**
 * IDOR probing: walking object ids in sequence (/api/v1/users/48210, 48211, ...), a dozen a second for
 * three minutes. Most ids do not exist or are not the caller's (404/403); a few return someone's record.
 */
export const objectIdEnumeration: ScenarioDefinition = {
  name: 'object_id_enumeration',
  description: 'Many distinct sequential /api/v1/users/<id> reads from one caller, mostly 404/403.',
  attack: true,
  acceptableKinds: ['scanning', 'unauthorized_access'],
  durationMs: 3 * MINUTE,
  candidates: (t) => callersFirst(t, enumerable).filter((w) => !enumerable(w)),
  plan(ctx) {
    const t = ctx.topology;
    const known = t
      .outgoing(ctx.actor)
      .map((e) => e.dst)
      .filter((d): d is Workload => 'principal' in d && enumerable(d));
    const target = known[0] ?? t.workloads.find(enumerable) ?? ctx.actor;
    const template = target.endpoints.find((e) => /\{id\}$/.test(e.path))?.path ?? '/api/v1/users/{id}';
    const prefix = template.replace('{id}', '');
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(9, 14);
    const firstId = ctx.rng.int(40_000, 90_000);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        // The id is a function of time, so it keeps increasing across ticks without shared state.
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const id = firstId + Math.floor(((time - ctx.startMs) / 1000) * rate) + rng.int(0, 2);
          const r = rng.next();
          const status = r < 0.72 ? 404 : r < 0.9 ? 403 : 200;
          emit(
            craft(ctx, rng, time, target, {
              path: `${prefix}${id}`,
              status,
              bytesDown: status === 200 ? rng.int(1100, 1700) : rng.int(40, 90),
              durationMs: rng.int(3, 15),
            }),
          );
        });
      },
    };
  },
};
