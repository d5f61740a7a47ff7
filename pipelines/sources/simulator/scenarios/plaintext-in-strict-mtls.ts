import { appWorkloads, craft, during, type ScenarioDefinition } from '../scenario.js';
import { fillPath, normalOutcome, responseBytes } from '../traffic.js';
import { isWorkload } from '../topology.js';
import { MINUTE, shuffled } from './helpers.js';

/**
 * Bypassing the sidecar: the attacker's process talks to other pods directly (an excluded port, or raw
 * sockets), so the receiving sidecar sees a plaintext caller with no peer identity, only the pod address.
 * The targets accept it (PERMISSIVE mode), though every other caller of theirs uses mTLS.
 */
export const plaintextInStrictMtls: ScenarioDefinition = {
  name: 'plaintext_in_strict_mtls',
  description:
    'Inbound calls with no peer identity from an address, against services that otherwise only see mTLS.',
  attack: true,
  acceptableKinds: ['unauthorized_access', 'lateral_movement', 'anomaly'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const t = ctx.topology;
    const usual = t
      .outgoing(ctx.actor)
      .map((e) => e.dst)
      .filter(isWorkload)
      .filter((w) => w.sidecar);
    const others = shuffled(
      t.workloads.filter((w) => w !== ctx.actor && w.sidecar && w.kind !== 'gateway' && !usual.includes(w)),
      ctx.rng,
    );
    const targets = [...usual.slice(0, 2), ...others].slice(0, 4);
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(1, 2);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const dst = rng.pick(targets);
          const e = rng.pick(dst.endpoints);
          const o = normalOutcome(e.profile, rng);
          const status = o.status === 503 ? 200 : o.status;
          emit(
            craft(ctx, rng, time, dst, {
              method: e.method,
              path: fillPath(e.path, rng),
              status,
              bytesUp: e.reqBytes > 0 ? rng.int(100, 900) : 0,
              bytesDown: responseBytes(e, status, rng),
              durationMs: rng.int(2, 30),
              mtls: false,
              logged: 'inbound',
              userAgent: 'curl/7.88.1',
            }),
          );
        });
      },
    };
  },
};
