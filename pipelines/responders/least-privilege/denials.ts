/**
 * After enforcement, calls the least-privilege policies deny become findings. Istio refuses such a call
 * with 403 and `rbac_access_denied_matched_policy[none]` in response_code_details (no ALLOW rule matched;
 * connection_termination_details for TCP, which the parser surfaces in the same field).
 *
 * A denied caller is either an attacker moving sideways or a rollout that added a dependency. Told apart
 * the way an on-call engineer would: several new destinations in a short time (or refused probing) is
 * lateral movement; one new destination called steadily is a new dependency. Either way the alert carries
 * the exact change that would allow the caller, to apply only if the call is expected.
 */
import type { MeshEvent } from '../../core/event.js';
import { workloadFromLabels } from '../../parse/kubernetes.js';
import { toPolicyPrincipal } from '../quarantine/policy.js';
import { allowPolicyName } from './istio.js';

const MAX_CALLERS = 50_000;
const DENIED = /rbac_access_denied_matched_policy\[([^\]]*)\]/;

export interface DenialOptions {
  /** Denied calls are grouped per caller over this much event time. */
  windowMs: number;
  /** This many distinct denied destinations in the window = lateral movement. */
  lateralDestinations: number;
  /** A single destination denied this many times over at least minSpanMs = a new dependency. */
  dependencyCalls: number;
  dependencyMinSpanMs: number;
}

export const DEFAULT_DENIAL_OPTIONS: DenialOptions = {
  windowMs: 10 * 60_000,
  lateralDestinations: 2,
  dependencyCalls: 5,
  dependencyMinSpanMs: 60_000,
};

export interface AllowChange {
  namespace: string;
  policy: string;
  /** The rule to append to the policy's spec.rules. */
  rule: { from: Array<{ source: { principals: string[] } }> };
  command: string;
}

export interface DenialFinding {
  verdict: 'lateral_movement' | 'new_dependency';
  caller: string;
  /** `<namespace>/<workload>` of every destination denied in the window. */
  destinations: string[];
  deniedCalls: number;
  firstMs: number;
  lastMs: number;
  /** One sentence for the alert: which of the two it looks like, and why. */
  summary: string;
  /** The exact change per destination that would allow the caller (apply only if expected). */
  allow: AllowChange[];
}

interface CallerState {
  byDestination: Map<
    string,
    { namespace: string; workload: string; calls: number; firstMs: number; lastMs: number }
  >;
  reported?: DenialFinding['verdict'];
}

/** Whether the least-privilege ALLOW policies refused this call (no ALLOW rule matched). */
export function deniedByLeastPrivilege(ev: MeshEvent): boolean {
  if (ev.direction !== 'inbound') return false;
  const m = DENIED.exec(ev.responseCodeDetails);
  return m !== null && (m[1] === 'none' || (m[1] ?? '').includes('meshguard-allow-'));
}

export function allowChange(principal: string, namespace: string, workload: string): AllowChange {
  const policy = allowPolicyName(workload);
  const rule = { from: [{ source: { principals: [toPolicyPrincipal(principal)] } }] };
  const patch = JSON.stringify([{ op: 'add', path: '/spec/rules/-', value: rule }]);
  return {
    namespace,
    policy,
    rule,
    command: `kubectl patch authorizationpolicy -n ${namespace} ${policy} --type=json -p '${patch}'`,
  };
}

export class DenialTracker {
  private readonly callers = new Map<string, CallerState>();

  constructor(private readonly opts: DenialOptions = DEFAULT_DENIAL_OPTIONS) {}

  /** Feed every event; returns a finding when a caller's denials first (or newly) read as one of the two. */
  observe(ev: MeshEvent): DenialFinding | undefined {
    if (!deniedByLeastPrivilege(ev) || ev.srcPrincipal === '' || ev.dstNamespace === '') return undefined;
    const workload = workloadFromLabels(ev.podLabels) || ev.dstServiceAccount;
    if (workload === '') return undefined;
    let state = this.callers.get(ev.srcPrincipal);
    if (state === undefined) {
      if (this.callers.size >= MAX_CALLERS) return undefined; // bounded: a flood of identities is its own alarm

      state = { byDestination: new Map() };
      this.callers.set(ev.srcPrincipal, state);
    }
    for (const [key, d] of state.byDestination)
      if (ev.timeMs - d.lastMs > this.opts.windowMs) state.byDestination.delete(key);
    const key = `${ev.dstNamespace}/${workload}`;
    const d = state.byDestination.get(key) ?? {
      namespace: ev.dstNamespace,
      workload,
      calls: 0,
      firstMs: ev.timeMs,
      lastMs: ev.timeMs,
    };
    d.calls++;
    d.lastMs = Math.max(d.lastMs, ev.timeMs);
    state.byDestination.set(key, d);

    const verdict = this.verdictOf(state);
    // Report once per verdict; a new dependency that grows into several destinations is re-reported as lateral.
    if (verdict === undefined || verdict === state.reported || state.reported === 'lateral_movement')
      return undefined;
    state.reported = verdict;
    return this.finding(ev.srcPrincipal, verdict, state);
  }

  private verdictOf(state: CallerState): DenialFinding['verdict'] | undefined {
    const dsts = [...state.byDestination.values()];
    if (dsts.length >= this.opts.lateralDestinations) return 'lateral_movement';
    const only = dsts[0];
    if (
      only &&
      only.calls >= this.opts.dependencyCalls &&
      only.lastMs - only.firstMs >= this.opts.dependencyMinSpanMs
    )
      return 'new_dependency';
    return undefined;
  }

  private finding(caller: string, verdict: DenialFinding['verdict'], state: CallerState): DenialFinding {
    const dsts = [...state.byDestination.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const calls = dsts.reduce((n, [, d]) => n + d.calls, 0);
    const names = dsts.map(([k]) => k);
    const summary =
      verdict === 'lateral_movement'
        ? `${caller} was denied by least-privilege policies at ${names.length} destinations it never called (${names.join(', ')}): looks like lateral movement, not a rollout`
        : `${caller} was denied ${calls} times calling ${names[0]}, which it never called before, at a steady rate: looks like a rollout of a new dependency; allow it if expected`;
    return {
      verdict,
      caller,
      destinations: names,
      deniedCalls: calls,
      firstMs: Math.min(...dsts.map(([, d]) => d.firstMs)),
      lastMs: Math.max(...dsts.map(([, d]) => d.lastMs)),
      summary,
      allow: dsts.map(([, d]) => allowChange(caller, d.namespace, d.workload)),
    };
  }
}
