import { type ScenarioDefinition } from '../scenario.js';
import { arrivals, edgeRate, normalRequest, upstreamFailure } from '../traffic.js';
import { appWorkloads } from '../scenario.js';
import { isWorkload, type Workload } from '../topology.js';
import { MINUTE } from './helpers.js';

/**
 * A dependency falls over for six minutes: most calls to it fail at the caller's sidecar with 503 and
 * UF/UH/URX (connection failures never reach the dependency's own sidecar). The actor is one of its
 * callers; every caller of the dependency sees the same.
 */
export const upstreamOutage: ScenarioDefinition = {
  name: 'upstream_outage',
  description: '5xx with UF/UH/URX from one dependency for several minutes.',
  attack: false,
  acceptableKinds: [],
  durationMs: 6 * MINUTE,
  candidates: (t) =>
    appWorkloads(t).filter((w) => t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.sidecar)),
  plan(ctx) {
    const t = ctx.topology;
    const deps = t
      .outgoing(ctx.actor)
      .map((e) => e.dst)
      .filter(isWorkload)
      .filter((w) => w.sidecar);
    const failing = ctx.rng.pick(deps) as Workload;
    const edges = t.incoming(failing);
    const endMs = ctx.startMs + this.durationMs;
    const failShare = ctx.rng.uniform(0.6, 0.9);
    return {
      endMs,
      baselineScale: (edge, tMs) => (edge.dst === failing && tMs >= ctx.startMs && tMs < endMs ? 0 : 1),
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        for (const edge of edges) {
          arrivals(edgeRate(ctx.seed, edge, tickMs), tickMs, rng, (time) => {
            const req = normalRequest(edge, time, rng, ctx.label);
            if (rng.chance(failShare)) {
              const f = upstreamFailure(rng);
              Object.assign(req, {
                status: f.status,
                flags: f.flags,
                details: f.details,
                logged: f.logged,
                bytesDown: 19,
                durationMs: f.logged === 'outbound' ? rng.int(0, 3) : rng.int(1, 30),
              });
            }
            emit(req);
          });
        }
      },
    };
  },
};
