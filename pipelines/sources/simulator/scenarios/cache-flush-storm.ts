import { type ScenarioDefinition } from '../scenario.js';
import { callersFirst, MINUTE, moreOfTheSame } from './helpers.js';
import { isWorkload } from '../topology.js';
import { edgeRate } from '../traffic.js';

/**
 * A cache is flushed (deploy, eviction): for a couple of minutes every lookup misses and goes to the
 * backing store, ~15× its usual rate at first, decaying as the cache warms. Usual endpoints and answers.
 */
export const cacheFlushStorm: ScenarioDefinition = {
  name: 'cache_flush_storm',
  description:
    'A burst of cache misses: many more requests to the backing data store, decaying over minutes.',
  attack: false,
  acceptableKinds: [],
  durationMs: 3 * MINUTE,
  candidates: (t) =>
    callersFirst(t, (w) => w.kind === 'data').filter((w) =>
      t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.kind === 'data'),
    ),
  plan(ctx) {
    const t = ctx.topology;
    const store = t.outgoing(ctx.actor).filter((e) => isWorkload(e.dst) && e.dst.kind === 'data');
    const edges = store.slice(0, 1);
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        const decay = Math.exp(-(tickMs - ctx.startMs) / 45_000);
        for (const edge of edges) {
          // At least ~8 extra requests/s at the peak, even for a store that is normally quiet.
          const usual = Math.max(edgeRate(ctx.seed, edge, tickMs), 8 / 14);
          moreOfTheSame(
            ctx,
            [edge],
            tickMs,
            rng,
            (14 * decay * usual) / Math.max(edgeRate(ctx.seed, edge, tickMs), 1e-9),
            emit,
          );
        }
      },
    };
  },
};
