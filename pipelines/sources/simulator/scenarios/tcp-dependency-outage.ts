import { craft, during, type ScenarioDefinition } from '../scenario.js';
import { isWorkload, type Workload } from '../topology.js';
import { MINUTE, callersFirst } from './helpers.js';

/**
 * Benign: a data service's pods go away, then come back. For three minutes its callers' connections are
 * refused or find no healthy host (UF / UH, zero bytes), with client retries; then every pool re-opens
 * its connections at once, which stay open and are logged when they close, with the work they carried.
 * Failures on a destination the caller always uses: neither a sweep nor password guessing.
 */
export const tcpDependencyOutage: ScenarioDefinition = {
  name: 'tcp_dependency_outage',
  description:
    'A data service down for three minutes (UF/UH, zero-byte sessions), then every pool reconnects.',
  attack: false,
  acceptableKinds: [],
  durationMs: 4 * MINUTE,
  candidates: (t) =>
    callersFirst(t, (w) => w.kind === 'data').filter((w) => t.outgoing(w).some((e) => isWorkload(e.dst))),
  plan(ctx) {
    const dsts = ctx.topology
      .outgoing(ctx.actor)
      .map((e) => e.dst)
      .filter(isWorkload);
    const target: Workload = dsts.find((w) => w.kind === 'data') ?? dsts[0]!;
    const downUntil = ctx.startMs + 3 * MINUTE;
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(4, 10);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, downUntil, rate, rng, (time) => {
          emit(
            craft(ctx, rng, time, target, {
              http: false,
              method: '',
              path: '',
              status: 0,
              details: '',
              flags: rng.chance(0.7) ? 'UF' : 'UH',
              bytesUp: 0,
              bytesDown: 0,
              durationMs: rng.int(0, 1_000),
              logged: 'outbound',
            }),
          );
        });
        // Pools re-open in the seconds after the service is back; connections that stay open, not guesses.
        during(tickMs, downUntil, downUntil + 15_000, 2, rng, (time) => {
          const openMs = rng.int(30_000, 60_000);
          emit(
            craft(ctx, rng, time, target, {
              http: false,
              method: '',
              path: '',
              status: 0,
              details: '',
              bytesUp: rng.int(20_000, 200_000),
              bytesDown: rng.int(50_000, 500_000),
              durationMs: openMs,
            }),
          );
        });
      },
    };
  },
};
