import { appWorkloads, craft, during, neverCalled, type ScenarioDefinition } from '../scenario.js';
import { fillPath, normalOutcome, responseBytes } from '../traffic.js';
import { MINUTE, shuffled } from './helpers.js';

/**
 * Pivoting: the compromised workload starts talking to services it has never called, across namespaces,
 * with plausible API requests. Most are answered (the mesh allows them); a few are refused or not found.
 */
export const lateralMovement: ScenarioDefinition = {
  name: 'lateral_movement',
  description: 'Calls to several services the workload never called before.',
  attack: true,
  acceptableKinds: ['lateral_movement'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t).filter((w) => neverCalled(t, w).length >= 3),
  plan(ctx) {
    const fresh = neverCalled(ctx.topology, ctx.actor);
    // Prefer other namespaces: that is where the valuable data lives.
    const ordered = [
      ...shuffled(
        fresh.filter((w) => w.namespace !== ctx.actor.namespace),
        ctx.rng,
      ),
      ...fresh.filter((w) => w.namespace === ctx.actor.namespace),
    ];
    const targets = ordered.slice(0, Math.min(6, ordered.length));
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(0.8, 1.6);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const dst = rng.pick(targets);
          const e = rng.pick(dst.endpoints);
          const o = normalOutcome(e.profile, rng);
          const r = rng.next();
          const status = r < 0.1 ? 403 : r < 0.18 ? 404 : o.status === 503 ? 200 : o.status;
          emit(
            craft(ctx, rng, time, dst, {
              method: e.method,
              path: fillPath(e.path, rng),
              status,
              bytesUp: e.reqBytes > 0 ? rng.int(100, 900) : 0,
              bytesDown: responseBytes(e, status, rng),
              durationMs: rng.int(3, 40),
            }),
          );
        });
      },
    };
  },
};
