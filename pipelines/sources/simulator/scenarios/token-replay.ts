import { appWorkloads, craft, during, type ScenarioDefinition } from '../scenario.js';
import { fillPath, responseBytes } from '../traffic.js';
import { isWorkload } from '../topology.js';
import { MINUTE } from './helpers.js';

const IDENTITY_NS = 'identity';

/**
 * A workload that has never talked to the identity services starts calling them with a bearer token it
 * stole from elsewhere: the token mostly works (200), sometimes has expired or lacks scope (401/403).
 */
export const tokenReplay: ScenarioDefinition = {
  name: 'token_replay',
  description:
    'A workload never seen calling identity/ now calls it with a replayed token: mostly 200, some 401/403.',
  attack: true,
  acceptableKinds: ['unauthorized_access', 'lateral_movement', 'anomaly'],
  durationMs: 5 * MINUTE,
  candidates: (t) =>
    appWorkloads(t).filter(
      (w) =>
        w.namespace !== IDENTITY_NS &&
        !t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.namespace === IDENTITY_NS),
    ),
  plan(ctx) {
    const t = ctx.topology;
    const targets = t.workloads.filter((w) => w.namespace === IDENTITY_NS && w.sidecar);
    if (targets.length === 0)
      targets.push(...t.workloads.filter((w) => w.kind === 'data' && w !== ctx.actor));
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(1, 2.2);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const dst = rng.pick(targets);
          const eps = dst.endpoints.filter((e) => e.method === 'GET' && e.profile !== 'health');
          const e = eps.length > 0 ? rng.pick(eps) : dst.endpoints[0];
          if (!e) return;
          const r = rng.next();
          const status = r < 0.12 ? 401 : r < 0.2 ? 403 : 200;
          emit(
            craft(ctx, rng, time, dst, {
              method: e.method,
              path: fillPath(e.path, rng),
              status,
              bytesDown: responseBytes(e, status, rng),
              durationMs: rng.int(4, 25),
            }),
          );
        });
      },
    };
  },
};
