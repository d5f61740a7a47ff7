import { craft, during, type ScenarioDefinition } from '../scenario.js';
import { fillPath } from '../traffic.js';
import type { Workload } from '../topology.js';
import { callersFirst, MINUTE } from './helpers.js';

const isData = (w: Workload): boolean => w.kind === 'data' && w.sidecar;

/**
 * Dumping a data service: the workload keeps its usual destination but pages through whole tables,
 * ~1 request/s each returning megabytes, for four minutes: gigabytes where it normally reads kilobytes.
 */
export const bulkReadExfiltration: ScenarioDefinition = {
  name: 'bulk_read_exfiltration',
  description: 'Large responses from a data service to one caller, far above its baseline.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 4 * MINUTE,
  candidates: (t) => callersFirst(t, isData).filter((w) => !isData(w) || t.outgoing(w).length > 0),
  plan(ctx) {
    const t = ctx.topology;
    const known = t
      .outgoing(ctx.actor)
      .map((e) => e.dst)
      .filter((d): d is Workload => 'principal' in d && isData(d));
    const target = known[0] ?? t.workloads.find((w) => isData(w) && w !== ctx.actor) ?? ctx.actor;
    const gets = target.endpoints.filter((e) => e.method === 'GET' && e.profile !== 'health');
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(0.7, 1.3);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const e = gets.length > 0 ? rng.pick(gets) : undefined;
          const base = e ? fillPath(e.path, rng) : '/api/v1/export';
          const path = `${base}${base.includes('?') ? '&' : '?'}limit=50000&offset=${rng.int(0, 400) * 50_000}`;
          const bytesDown = Math.round(rng.lognormal(6_000_000, 0.5));
          emit(
            craft(ctx, rng, time, target, {
              path,
              status: 200,
              bytesDown,
              durationMs: Math.round(200 + bytesDown / 60_000),
            }),
          );
        });
      },
    };
  },
};
