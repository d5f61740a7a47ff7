import type { Rng } from '../prng.js';
import {
  appWorkloads,
  craft,
  during,
  neverCalled,
  type ScenarioContext,
  type ScenarioDefinition,
} from '../scenario.js';
import type { SimRequest } from '../traffic.js';
import { isWorkload, type Workload } from '../topology.js';
import { MINUTE } from './helpers.js';

/** The guesser's target: a data service the actor never calls, when there is one. */
export function guessingTarget(ctx: ScenarioContext): Workload {
  const fresh = neverCalled(ctx.topology, ctx.actor);
  const data = fresh.filter((w) => w.kind === 'data');
  return ctx.rng.pick(
    data.length > 0 ? data : fresh.length > 0 ? fresh : ctx.topology.workloads.filter(isWorkload),
  );
}

/** One refused login over plain TCP: a handshake and a refusal of nearly the same size every time. */
export function tcpLogin(rng: Rng, ssh: boolean): Partial<SimRequest> {
  return {
    http: false,
    method: '',
    path: '',
    status: 0,
    details: '',
    bytesUp: ssh ? 1_460 + rng.int(0, 40) : 72 + rng.int(0, 20),
    bytesDown: ssh ? 2_230 + rng.int(0, 40) : 240 + rng.int(0, 30),
    durationMs: ssh ? rng.int(700, 2_400) : rng.int(30, 400),
  };
}

/**
 * Password guessing over plain TCP (SSH or FTP-like): thousands of short sessions from one workload to
 * one service, each a handshake and a refused login of nearly the same size, and never an HTTP status.
 * The target is a data service (one the actor never calls, when there is one).
 */
export const tcpPasswordGuessing: ScenarioDefinition = {
  name: 'tcp_password_guessing',
  description: 'SSH/FTP-like login attempts: bursts of short, small TCP sessions to one service.',
  attack: true,
  acceptableKinds: ['unauthorized_access'],
  durationMs: 4 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const target = guessingTarget(ctx);
    const ssh = ctx.rng.chance(0.5);
    const rate = ssh ? ctx.rng.uniform(3, 6) : ctx.rng.uniform(6, 12);
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          emit(craft(ctx, rng, time, target, tcpLogin(rng, ssh)));
        });
      },
    };
  },
};
