import { appWorkloads, craft, during, externalHost, type ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';

/**
 * Bulk upload straight out of the mesh: HTTPS to file-drop hosts no ServiceEntry registers, so it leaves
 * through PassthroughCluster as opaque TCP (SNI only; one host is a bare IP with no SNI at all).
 * Megabytes per connection, a few per minute, for four minutes.
 */
export const passthroughEgress: ScenarioDefinition = {
  name: 'passthrough_egress',
  description: 'Uploads through PassthroughCluster to hosts no ServiceEntry registers.',
  attack: true,
  acceptableKinds: ['exfiltration'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const hosts = [
      externalHost('transfer.sh', '144.76.136.153', 443),
      externalHost('files.catbox.moe', '172.67.190.154', 443),
      externalHost('45.133.1.20', '45.133.1.20', 443),
    ];
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(0.08, 0.15);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const bytesUp = Math.round(rng.lognormal(12_000_000, 0.6));
          emit(
            craft(ctx, rng, time, rng.pick(hosts), {
              http: false,
              method: '',
              path: '',
              status: 0,
              bytesUp,
              bytesDown: rng.int(3_000, 9_000),
              durationMs: Math.round(bytesUp / 4_000),
            }),
          );
        });
      },
    };
  },
};
