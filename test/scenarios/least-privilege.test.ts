/**
 * Least privilege end to end on simulated mesh traffic: learn the call graph from the first part of a
 * run (before any scenario), write the policies, then replay the rest through an evaluator of Istio's
 * authorization semantics. Every normal call must be allowed and every call of an attacker on an edge it
 * never had must be denied.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import { defaultParseOptions, parseLine } from '../../pipelines/parse/index.js';
import {
  buildAllowPolicies,
  type AllowPolicyManifest,
} from '../../pipelines/responders/least-privilege/istio.js';
import { simulateInto } from '../../pipelines/sources/simulator/index.js';
import { evaluate } from '../helpers/istio-authz.js';

const START = Date.parse('2026-03-02T10:00:00Z');
const LEARN_MS = 30 * 60_000;

/** Attacks that use edges their actor never had: denied whether or not L7 is on. */
const NEW_EDGE_ATTACKS = [
  'lateral_movement',
  'rbac_probing',
  'token_replay',
  'plaintext_in_strict_mtls',
  'path_scanning',
];
/** Benign changes: a new version of a workload (covered by the same selector), and a truly new dependency. */
const BENIGN = ['canary_shift', 'rollout_new_dependency'];

function corpus(scenarios: string[], benign: string[]): MeshEvent[] {
  const events: MeshEvent[] = [];
  simulateInto(
    {
      seed: 7,
      startMs: START,
      durationMs: LEARN_MS + 50 * 60_000,
      warmupMs: LEARN_MS,
      services: 12,
      ratePerSec: 15,
      scenarios,
      benign,
    },
    (line) =>
      parseLine(line, 'auto', defaultParseOptions, (r) => {
        if (r.ok) events.push(r.event);
      }),
  );
  return events;
}

function replay(events: MeshEvent[], policies: AllowPolicyManifest[]) {
  const out: Array<{ ev: MeshEvent; allowed: boolean }> = [];
  for (const ev of events) {
    if (ev.direction !== 'inbound' || ev.timeMs < START + LEARN_MS) continue;
    const d = evaluate(
      policies.map((p) => ({ ...p, metadata: { ...p.metadata, annotations: {} } })),
      {
        namespace: ev.dstNamespace,
        labels: ev.podLabels,
        principal: ev.srcPrincipal,
        method: ev.method,
        path: ev.path,
      },
    );
    out.push({ ev, allowed: d.allowed });
  }
  return out;
}

const events = corpus(NEW_EDGE_ATTACKS, BENIGN);
const graph = new CallGraph(undefined, { sinceMs: START, untilMs: START + LEARN_MS });
for (const ev of events) graph.observe(ev);

describe.each([false, true])('least privilege learned from simulated traffic (l7: %s)', (l7) => {
  const plan = buildAllowPolicies(graph.destinations(), { l7, dryRun: true, protectedNamespaces: [] });
  const results = replay(events, plan.policies);

  it('writes a policy for every application workload', () => {
    expect(plan.policies.length).toBeGreaterThan(5);
    expect(plan.skipped.map((s) => s.reason)).not.toContain('no_pod_labels');
  });

  const show = (r: { ev: MeshEvent }): string =>
    `${r.ev.label || 'normal'}: ${r.ev.src} -> ${r.ev.dst} ${r.ev.method} ${r.ev.path}`;
  const of = (labels: string[]) => results.filter((r) => labels.includes(r.ev.label));

  it('allows every normal call after learning, a new version of a workload included', () => {
    const normal = of(['', 'canary_shift']);
    expect(normal.length).toBeGreaterThan(1000);
    expect(of(['canary_shift']).length).toBeGreaterThan(0);
    expect([...new Set(normal.filter((r) => !r.allowed).map(show))]).toEqual([]);
  });

  it('denies a dependency that really is new (until the policy is widened)', () => {
    const rollout = of(['rollout_new_dependency']);
    expect(rollout.length).toBeGreaterThan(10);
    expect(rollout.filter((r) => r.allowed).map(show)).toEqual([]);
  });

  it('denies every attack call on an edge the attacker never had', () => {
    for (const scenario of NEW_EDGE_ATTACKS) expect(of([scenario]).length, scenario).toBeGreaterThan(5);
    const allowed = of(NEW_EDGE_ATTACKS).filter((r) => r.allowed);
    expect([...new Set(allowed.map(show))]).toEqual([]);
  });
});
