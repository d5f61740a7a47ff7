import { appWorkloads, craft, externalHost, periodic, type ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';

/**
 * Command-and-control check-ins: a small TLS exchange with a new external host every ~30 s with about a
 * second of jitter, for 20 minutes. The host has no ServiceEntry, so the sidecar only sees an opaque TCP
 * stream through PassthroughCluster, named by its SNI.
 */
export const beaconing: ScenarioDefinition = {
  name: 'beaconing',
  description: 'Periodic small egress to a new external host every ~30 s with little jitter.',
  attack: true,
  acceptableKinds: ['exfiltration', 'anomaly'],
  durationMs: 20 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const host = ctx.rng.pick([
      externalHost('cdn.telemetry-sync.net', '185.199.220.14', 443),
      externalHost('updates.cloudmetrics-api.com', '91.215.85.147', 443),
      externalHost('status.edge-monitor.io', '45.142.212.61', 443),
    ]);
    const endMs = ctx.startMs + this.durationMs;
    const periodMs = 30_000;
    const seed = ctx.rng.int(0, 2 ** 31);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        periodic(tickMs, ctx.startMs, endMs, periodMs, 1_200, seed, (time) => {
          // Now and then the operator sends a command: a slightly larger answer.
          const command = rng.chance(0.1);
          emit(
            craft(ctx, rng, time, host, {
              http: false,
              method: '',
              path: '',
              status: 0,
              bytesUp: rng.int(480, 620),
              bytesDown: command ? rng.int(2_000, 6_000) : rng.int(180, 260),
              durationMs: rng.int(80, 200),
            }),
          );
        });
      },
    };
  },
};
