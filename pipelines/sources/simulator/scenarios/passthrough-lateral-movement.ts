import {
  appWorkloads,
  craft,
  during,
  externalHost,
  neverCalled,
  type ScenarioDefinition,
} from '../scenario.js';
import { fillPath, responseBytes } from '../traffic.js';
import { MINUTE, shuffled } from './helpers.js';

/**
 * Pivoting by pod address: the compromised workload calls pods of services it never used by their IPs,
 * in plaintext, so its sidecar finds no Service and sends the requests through PassthroughCluster.
 * Without knowing the mesh's addresses this looks like egress to bare IPs (and was taken for
 * exfiltration); with a pod-IP map or the mesh CIDRs it is internal: lateral movement.
 */
export const passthroughLateralMovement: ScenarioDefinition = {
  name: 'passthrough_lateral_movement',
  description: 'Plaintext calls to pod IPs of never-called services, through PassthroughCluster.',
  attack: true,
  acceptableKinds: ['lateral_movement'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t).filter((w) => neverCalled(t, w).length >= 3),
  plan(ctx) {
    const fresh = shuffled(neverCalled(ctx.topology, ctx.actor), ctx.rng).slice(0, 6);
    const targets = fresh.map((w) => ({ w, pod: externalHost(w.pods[0]!.ip, w.pods[0]!.ip, w.port) }));
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(0.8, 1.6);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const { w, pod } = rng.pick(targets);
          const e = rng.pick(w.endpoints);
          emit(
            craft(ctx, rng, time, pod, {
              method: e.method,
              path: fillPath(e.path, rng),
              status: 200,
              bytesUp: e.reqBytes > 0 ? rng.int(100, 900) : 0,
              bytesDown: responseBytes(e, 200, rng),
              durationMs: rng.int(3, 40),
            }),
          );
        });
      },
    };
  },
};
