import { appWorkloads, craft, during, externalHost, type ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';
import { probe } from './network-sweep.js';

/**
 * One offender, two attacks: a host sweep of the mesh's pod addresses for a minute and a half, then
 * what it found leaves in a few large uploads to a bare IP through PassthroughCluster. On-call must hear
 * about the second even though the first already raised an incident.
 */
export const scanThenExfiltration: ScenarioDefinition = {
  name: 'scan_then_exfiltration',
  description: 'A host sweep, then large uploads to a new external address, by the same workload.',
  attack: true,
  acceptableKinds: ['scanning', 'exfiltration'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const ips = ctx.topology.workloads.filter((w) => w !== ctx.actor).flatMap((w) => w.pods.map((p) => p.ip));
    const targets = ips.flatMap((ip) => [22, 6379, 8080].map((p) => externalHost(ip, ip, p)));
    const drop = externalHost('185.220.101.7', '185.220.101.7', 443);
    const scanEnd = ctx.startMs + 90_000;
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs >= ctx.startMs && tickMs < scanEnd) {
          const second = Math.floor((tickMs - ctx.startMs) / 1000);
          for (let i = 0; i < 6; i++) {
            const dst = targets[(second * 6 + i) % targets.length]!;
            emit(probe(ctx, rng, tickMs + i * 150, dst, false));
          }
        }
        during(tickMs, scanEnd + 30_000, endMs, 0.1, rng, (time) => {
          const bytesUp = Math.round(rng.lognormal(15_000_000, 0.4));
          emit(
            craft(ctx, rng, time, drop, {
              http: false,
              method: '',
              path: '',
              status: 0,
              details: '',
              bytesUp,
              bytesDown: rng.int(4_000, 9_000),
              durationMs: Math.round(bytesUp / 5_000),
            }),
          );
        });
      },
    };
  },
};
