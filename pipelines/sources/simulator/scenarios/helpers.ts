/** Small pieces several scenarios share: candidate filters and "more of the usual traffic". */
import type { Rng } from '../prng.js';
import type { ScenarioContext } from '../scenario.js';
import { appWorkloads } from '../scenario.js';
import { arrivals, edgeRate, normalRequest, type SimRequest } from '../traffic.js';
import { isWorkload, type Edge, type Topology, type Workload } from '../topology.js';

export const MINUTE = 60_000;

/** App workloads that call one of `targets` in the baseline, then every other app workload. */
export function callersFirst(t: Topology, targets: (w: Workload) => boolean): Workload[] {
  const apps = appWorkloads(t);
  const callers = apps.filter((w) => t.outgoing(w).some((e) => isWorkload(e.dst) && targets(e.dst)));
  return [...callers, ...apps.filter((w) => !callers.includes(w))];
}

/**
 * Extra ordinary traffic on baseline edges: `multiplier(t) - 1` times their usual rate, same endpoints and
 * status mix. This is how surges look benign: more of the same.
 */
export function moreOfTheSame(
  ctx: ScenarioContext,
  edges: readonly Edge[],
  tickMs: number,
  rng: Rng,
  extra: number,
  emit: (r: SimRequest) => void,
): void {
  if (extra <= 0) return;
  for (const edge of edges) {
    arrivals(edgeRate(ctx.seed, edge, tickMs) * extra, tickMs, rng, (t) =>
      emit(normalRequest(edge, t, rng, ctx.label)),
    );
  }
}

/** Policy-style names for denials: what `rbac_access_denied_matched_policy[...]` would name. */
export function rbacDetails(namespace: string, policy: string): string {
  return `rbac_access_denied_matched_policy[ns[${namespace}]-policy[${policy}]-rule[0]]`;
}

/** Shuffle a copy (Fisher-Yates) with the scenario's plan-time stream. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * How much of a scenario's `fullMs` timeline the run lets it play: all of it, or what is left before a
 * shortened run cuts it (`ctx.untilMs`). Scenarios whose decisive phase comes late scale their phases
 * to this, so a shortened library still plays the attack instead of only its prelude.
 */
export function playableMs(ctx: ScenarioContext, fullMs: number): number {
  return ctx.untilMs === undefined ? fullMs : Math.max(0, Math.min(fullMs, ctx.untilMs - ctx.startMs));
}

/** A workload serving a login endpoint (the target of password guessing). */
export function loginService(w: Workload): boolean {
  return w.endpoints.some((e) => e.profile === 'login');
}

/** One password guess: POST /login, answered 200 when it opened an account, else a short 401. */
export function loginAttempt(rng: Rng, ok: boolean): Partial<SimRequest> {
  return {
    method: 'POST',
    path: '/login',
    status: ok ? 200 : 401,
    bytesUp: rng.int(300, 420),
    bytesDown: ok ? rng.int(1000, 1300) : rng.int(45, 70),
    durationMs: rng.int(30, 90),
  };
}
