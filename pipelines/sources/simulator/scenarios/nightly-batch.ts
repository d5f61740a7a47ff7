import { appWorkloads, craft, type ScenarioDefinition } from '../scenario.js';
import { arrivals, fillPath } from '../traffic.js';
import { isWorkload } from '../topology.js';
import { MINUTE } from './helpers.js';

const DAY = 24 * 60 * MINUTE;

/**
 * A batch job's nightly export: eight minutes of large paged reads from the data service it always reads,
 * plus uploads of the result to its usual bucket. It ran yesterday at the same time too (emitted when the
 * simulated window reaches back a day), which is what tells it apart from bulk exfiltration.
 */
export const nightlyBatch: ScenarioDefinition = {
  name: 'nightly_batch',
  description: "A batch job repeating yesterday's large reads at the same time.",
  attack: false,
  acceptableKinds: [],
  durationMs: 8 * MINUTE,
  candidates: (t) => {
    const readsData = (w: (typeof t.workloads)[number]): boolean =>
      t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.kind === 'data');
    const jobs = t.workloads.filter((w) => w.kind === 'job' && readsData(w));
    return jobs.length > 0 ? jobs : appWorkloads(t).filter(readsData);
  },
  plan(ctx) {
    const t = ctx.topology;
    const edges = t.outgoing(ctx.actor);
    const source = edges.map((e) => e.dst).find((d) => isWorkload(d) && d.kind === 'data') ?? ctx.actor;
    const reads = source.endpoints.filter((e) => e.method === 'GET' && e.profile !== 'health');
    const sink = edges.map((e) => e.dst).find((d) => !isWorkload(d));
    const runs = [ctx.startMs - DAY, ctx.startMs];
    const length = this.durationMs;
    const endMs = ctx.startMs + length;
    const rate = ctx.rng.uniform(1.5, 2.5);
    return {
      fromMs: ctx.startMs - DAY,
      endMs,
      tick(tickMs, rng, emit) {
        if (!runs.some((r) => tickMs >= r && tickMs < r + length)) return;
        arrivals(rate, tickMs, rng, (time) => {
          const e = reads.length > 0 ? rng.pick(reads) : undefined;
          const bytesDown = Math.round(rng.lognormal(3_000_000, 0.4));
          emit(
            craft(ctx, rng, time, source, {
              path: e ? fillPath(e.path, rng) : '/api/v1/export',
              status: 200,
              bytesDown,
              durationMs: Math.round(150 + bytesDown / 60_000),
              userAgent: ctx.actor.userAgent,
              srcPod: ctx.actor.pods[0],
            }),
          );
        });
        if (sink && rng.chance(0.05)) {
          const time = tickMs + rng.int(0, 999);
          emit(
            craft(ctx, rng, time, sink, {
              method: 'PUT',
              path: `/meshshop-exports/${ctx.actor.name}/part-${rng.int(0, 999)}.parquet`,
              status: 200,
              bytesUp: Math.round(rng.lognormal(20_000_000, 0.3)),
              bytesDown: 300,
              durationMs: rng.int(400, 1500),
            }),
          );
        }
      },
    };
  },
};
