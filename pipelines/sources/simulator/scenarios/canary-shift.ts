import { appWorkloads, type ScenarioDefinition } from '../scenario.js';
import { arrivals, edgeRate, normalRequest } from '../traffic.js';
import { MINUTE } from './helpers.js';

/**
 * A canary rollout: new v2 pods of a service (new pod names and IPs, same service account) take 10%, then
 * 25%, 50% and finally all of its traffic, both what it serves and what it calls, over sixteen minutes.
 * Hard for address-keyed detectors: a "new" caller appears with exactly the old one's habits.
 */
export const canaryShift: ScenarioDefinition = {
  name: 'canary_shift',
  description: 'Traffic shifting from v1 to v2 pods of a service.',
  attack: false,
  acceptableKinds: [],
  durationMs: 16 * MINUTE,
  candidates: (t) => appWorkloads(t).filter((w) => t.incoming(w).length > 0 && t.outgoing(w).length > 0),
  plan(ctx) {
    const t = ctx.topology;
    const v2 = t.addPod(ctx.actor, 'v2', ctx.rng);
    const endMs = ctx.startMs + this.durationMs;
    const share = (tMs: number): number => {
      if (tMs < ctx.startMs || tMs >= endMs) return 0;
      const step = Math.floor(((tMs - ctx.startMs) / this.durationMs) * 4);
      return [0.1, 0.25, 0.5, 1][step] ?? 1;
    };
    const incoming = t.incoming(ctx.actor);
    const outgoing = t.outgoing(ctx.actor);
    return {
      endMs,
      baselineScale: (edge, tMs) => (edge.src === ctx.actor || edge.dst === ctx.actor ? 1 - share(tMs) : 1),
      tick(tickMs, rng, emit) {
        const s = share(tickMs);
        if (s <= 0) return;
        for (const edge of incoming) {
          arrivals(edgeRate(ctx.seed, edge, tickMs) * s, tickMs, rng, (time) => {
            const req = normalRequest(edge, time, rng, ctx.label);
            req.dstPod = v2;
            emit(req);
          });
        }
        for (const edge of outgoing)
          arrivals(edgeRate(ctx.seed, edge, tickMs) * s, tickMs, rng, (time) =>
            emit(normalRequest(edge, time, rng, ctx.label, v2)),
          );
      },
    };
  },
};
