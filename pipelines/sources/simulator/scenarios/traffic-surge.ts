import { appWorkloads, type ScenarioDefinition } from '../scenario.js';
import { MINUTE, moreOfTheSame } from './helpers.js';

/**
 * A popular moment (a newsletter, a TV spot): 3-5× the usual traffic into and out of one service for ten
 * minutes, ramping up and down over a minute, with exactly the usual endpoints and status mix.
 */
export const trafficSurge: ScenarioDefinition = {
  name: 'traffic_surge',
  description: '3-5× the usual request rate on one service for ten minutes, same mix.',
  attack: false,
  acceptableKinds: [],
  durationMs: 10 * MINUTE,
  candidates: (t) => appWorkloads(t).filter((w) => t.incoming(w).length > 0 && t.outgoing(w).length > 0),
  plan(ctx) {
    const t = ctx.topology;
    const edges = [...t.incoming(ctx.actor), ...t.outgoing(ctx.actor)];
    const factor = ctx.rng.uniform(3, 5);
    const endMs = ctx.startMs + this.durationMs;
    const ramp = MINUTE;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        const shape = Math.min(1, (tickMs - ctx.startMs) / ramp, (endMs - tickMs) / ramp);
        moreOfTheSame(ctx, edges, tickMs, rng, (factor - 1) * shape, emit);
      },
    };
  },
};
