import type { Rng } from '../prng.js';
import {
  appWorkloads,
  baselineDestinations,
  craft,
  during,
  externalHost,
  type ScenarioDefinition,
} from '../scenario.js';
import { MINUTE, playableMs } from './helpers.js';

/**
 * Poisoning the learning period: right after meshguard (re)starts, while it learns, the workload
 * touches an external host with a few small requests, so the host is learned as one it uses; ten
 * minutes later it uploads 3 GB there (5 MB a second for ten minutes). Played at the start of a run
 * (scheduled within `windowing.learning_secs` of the first record) it mounts the attack as measured;
 * played later the host is simply new. Cut short by a run, its phases keep their proportions (priming
 * over the first 7.5 %, as many small objects, faster; upload from the middle on), so the upload is
 * still played.
 */
export const learningPeriodPoisoning: ScenarioDefinition = {
  name: 'learning_period_poisoning',
  description: 'A host first touched while meshguard learns, then 3 GB uploaded to it ten minutes later.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 20 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const used = baselineDestinations(ctx.topology, ctx.actor);
    const host =
      ctx.topology.externalHosts.find((h) => h.host === 'storage.googleapis.com' && !used.has(h)) ??
      externalHost('storage.googleapis.com', '142.250.74.123', 443, true);
    const bucket = `bkt-${ctx.rng.hex(6)}`;
    const played = playableMs(ctx, this.durationMs);
    const primeEndMs = ctx.startMs + (90_000 * played) / this.durationMs;
    const primeRate = (0.1 * this.durationMs) / Math.max(1, played);
    const uploadFromMs = ctx.startMs + (10 * MINUTE * played) / this.durationMs;
    const endMs = ctx.startMs + this.durationMs;
    const put = (rng: Rng, time: number, bytesUp: number) =>
      craft(ctx, rng, time, host, {
        method: 'PUT',
        path: `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${rng.hex(8)}`,
        status: 200,
        bytesUp,
        bytesDown: rng.int(550, 700),
        durationMs: Math.round(100 + bytesUp / 50_000),
      });
    return {
      endMs,
      tick(tickMs, rng, emit) {
        // Priming: a small object every ~10 s while meshguard learns (about nine, however short).
        during(tickMs, ctx.startMs, primeEndMs, primeRate, rng, (time) =>
          emit(put(rng, time, rng.int(1_000, 3_000))),
        );
        during(tickMs, uploadFromMs, endMs, 1, rng, (time) =>
          emit(put(rng, time, rng.int(4_500_000, 5_500_000))),
        );
      },
    };
  },
};
