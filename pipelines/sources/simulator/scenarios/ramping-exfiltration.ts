import { craft, during, type ScenarioDefinition } from '../scenario.js';
import { fillPath } from '../traffic.js';
import type { Workload } from '../topology.js';
import { callersFirst, MINUTE, playableMs } from './helpers.js';

const isData = (w: Workload): boolean => w.kind === 'data' && w.sidecar;
/** Growth per 10 s window over the full 25 minutes, and the top: 6 MB a request, ~60 MB a window. */
const GROWTH_PER_WINDOW = 1.05;
const TOP_BYTES = 6_000_000;

/**
 * A dump that teaches its own baseline: the workload reads from a data service about once a second,
 * each response a little larger than the last window's (5 % a window, from ~10 KB), so no window is far
 * above the one before; after ~22 minutes it moves ~60 MB a window and keeps going for three more.
 * Cut short by a run, it grows faster (same start, same top, reached at the same share of its time).
 */
export const rampingExfiltration: ScenarioDefinition = {
  name: 'ramping_exfiltration',
  description: 'Reads from a data service growing 5 % a window up to ~60 MB a window.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 25 * MINUTE,
  candidates: (t) => callersFirst(t, isData).filter((w) => !isData(w)),
  plan(ctx) {
    const t = ctx.topology;
    const target =
      t
        .outgoing(ctx.actor)
        .map((e) => e.dst)
        .find((d): d is Workload => 'principal' in d && isData(d)) ??
      t.workloads.find((w) => isData(w) && w !== ctx.actor) ??
      ctx.actor;
    const gets = target.endpoints.filter((e) => e.method === 'GET' && e.profile !== 'health');
    const endMs = ctx.startMs + this.durationMs;
    const played = playableMs(ctx, this.durationMs);
    const growth =
      played >= this.durationMs
        ? GROWTH_PER_WINDOW
        : GROWTH_PER_WINDOW ** (this.durationMs / Math.max(10_000, played));
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, 1, rng, (time) => {
          const windows = (time - ctx.startMs) / 10_000;
          const bytesDown = Math.round(
            Math.min(TOP_BYTES, 10_000 * growth ** windows) * rng.uniform(0.9, 1.1),
          );
          const e = gets.length > 0 ? rng.pick(gets) : undefined;
          emit(
            craft(ctx, rng, time, target, {
              path: e ? fillPath(e.path, rng) : '/api/v1/export',
              status: 200,
              bytesDown,
              durationMs: Math.round(20 + bytesDown / 60_000),
            }),
          );
        });
      },
    };
  },
};
