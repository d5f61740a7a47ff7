import {
  appWorkloads,
  baselineDestinations,
  craft,
  externalHost,
  periodic,
  type ScenarioDefinition,
} from '../scenario.js';
import { MINUTE } from './helpers.js';

/**
 * Low-and-slow exfiltration: 200-500 KB uploads every few seconds to one external host the workload has
 * never used, for 25 minutes, so no single minute looks large. The host is registered in the mesh (a
 * ServiceEntry someone added once), so the upload shows as an ordinary HTTP PUT through its cluster.
 */
export const slowDripUpload: ScenarioDefinition = {
  name: 'slow_drip_upload',
  description: 'Small uploads (200-500 KB) every few seconds to one new external host over 25 minutes.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 25 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const t = ctx.topology;
    const used = baselineDestinations(t, ctx.actor);
    const host =
      t.externalHosts.find((h) => h.host === 'storage.googleapis.com' && !used.has(h)) ??
      t.externalHosts.find((h) => !used.has(h)) ??
      externalHost('storage.googleapis.com', '142.250.74.123', 443, true);
    const bucket = `bkt-${ctx.rng.hex(6)}`;
    const endMs = ctx.startMs + this.durationMs;
    const periodMs = ctx.rng.int(4_000, 7_000);
    const seed = ctx.rng.int(0, 2 ** 31);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        periodic(tickMs, ctx.startMs, endMs, periodMs, periodMs * 0.4, seed, (time, n) => {
          emit(
            craft(ctx, rng, time, host, {
              method: 'PUT',
              path: `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=chunk-${String(n).padStart(5, '0')}`,
              status: 200,
              bytesUp: rng.int(200_000, 500_000),
              bytesDown: rng.int(550, 700),
              durationMs: rng.int(150, 600),
            }),
          );
        });
      },
    };
  },
};
