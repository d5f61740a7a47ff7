import { craft, type ScenarioDefinition } from '../scenario.js';
import { fillPath } from '../traffic.js';
import { isWorkload } from '../topology.js';
import { MINUTE, callersFirst } from './helpers.js';

/**
 * One read of 7.5 MB (a table dump over one connection) from a data service that normally answers a
 * few KB, by a workload that calls it every day: a single window, a single flow.
 */
export const singleFlowRead: ScenarioDefinition = {
  name: 'single_flow_read',
  description: 'One request reading ~7.5 MB from a data service that normally answers KBs.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 1 * MINUTE,
  candidates: (t) => callersFirst(t, (w) => w.kind === 'data'),
  plan(ctx) {
    const edges = ctx.topology.outgoing(ctx.actor);
    const data = edges.map((e) => e.dst).filter(isWorkload);
    const source = data.find((w) => w.kind === 'data') ?? data[0] ?? ctx.actor;
    const e = source.endpoints.find((x) => x.method === 'GET') ?? source.endpoints[0];
    // 5-30 s in, or within the first part of a scenario the run shortened.
    const latest = Math.max(0, Math.min(30_000, (ctx.untilMs ?? Infinity) - ctx.startMs - 1_000));
    const at = ctx.startMs + ctx.rng.int(Math.min(5_000, latest), latest);
    return {
      endMs: ctx.startMs + this.durationMs,
      tick(tickMs, rng, emit) {
        if (at < tickMs || at >= tickMs + 1000) return;
        emit(
          craft(ctx, rng, at, source, {
            path: e ? fillPath(e.path, rng) : '/api/v1/export',
            status: 200,
            bytesDown: 7_500_000 + rng.int(0, 200_000),
            durationMs: rng.int(2_000, 6_000),
          }),
        );
      },
    };
  },
};
