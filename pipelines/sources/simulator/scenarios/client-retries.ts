import { appWorkloads, type ScenarioDefinition } from '../scenario.js';
import { Rng, mixSeed } from '../prng.js';
import { normalRequest, upstreamFailure, type SimRequest } from '../traffic.js';
import { isWorkload, type Edge } from '../topology.js';
import { MINUTE } from './helpers.js';

/**
 * A flaky dependency and a client with retries: every ~40 s a burst of requests gets 503 and is retried
 * 100-400 ms later, almost always successfully (503 → 200). Five minutes of it.
 */
export const clientRetries: ScenarioDefinition = {
  name: 'client_retries',
  description: 'Bursts of retried requests: 503 followed by 200 on retry.',
  attack: false,
  acceptableKinds: [],
  durationMs: 5 * MINUTE,
  candidates: (t) =>
    appWorkloads(t).filter((w) => t.outgoing(w).some((e) => isWorkload(e.dst) && e.dst.sidecar)),
  plan(ctx) {
    const t = ctx.topology;
    const edge = ctx.rng.pick(
      t.outgoing(ctx.actor).filter((e) => isWorkload(e.dst) && e.dst.sidecar),
    ) as Edge;
    const endMs = ctx.startMs + this.durationMs;
    const seed = ctx.rng.int(0, 2 ** 31);
    const periodMs = 40_000;
    // Each burst is generated whole from its own stream and cut to the tick, since retries cross ticks.
    const burst = (n: number): SimRequest[] => {
      const rng = new Rng(mixSeed(seed, n));
      const start = ctx.startMs + n * periodMs + rng.int(0, 10_000);
      const out: SimRequest[] = [];
      const size = rng.int(20, 60);
      for (let i = 0; i < size; i++) {
        const time = start + rng.int(0, 2_500);
        const first = normalRequest(edge, time, rng, ctx.label);
        const f = upstreamFailure(rng);
        Object.assign(first, {
          status: 503,
          flags: f.flags,
          details: f.details,
          logged: f.logged,
          bytesDown: 19,
          durationMs: rng.int(1, 20),
        });
        out.push(first);
        let retryAt = time + rng.int(100, 400);
        if (rng.chance(0.15)) {
          const again = normalRequest(edge, retryAt, rng, ctx.label);
          Object.assign(again, {
            status: 503,
            flags: 'URX',
            details: 'via_upstream',
            logged: 'both',
            bytesDown: 19,
          });
          out.push(again);
          retryAt += rng.int(200, 800);
        }
        const ok = normalRequest(edge, retryAt, rng, ctx.label);
        if (ok.status >= 500)
          Object.assign(ok, { status: 200, flags: '-', details: 'via_upstream', logged: 'both' });
        out.push(ok);
      }
      return out;
    };
    return {
      endMs,
      tick(tickMs, _rng, emit) {
        if (tickMs + 1000 <= ctx.startMs || tickMs >= endMs) return;
        const n = Math.floor((tickMs - ctx.startMs) / periodMs);
        for (const k of [n - 1, n]) {
          // A burst spans at most ~14 s; only start those that finish before the scenario ends.
          if (k < 0 || ctx.startMs + k * periodMs + 15_000 >= endMs) continue;
          for (const r of burst(k)) if (r.timeMs >= tickMs && r.timeMs < tickMs + 1000) emit(r);
        }
      },
    };
  },
};
