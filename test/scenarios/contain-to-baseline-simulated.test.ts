/**
 * Graduated containment on the simulator's traffic: the lateral-movement attacker is contained to the
 * edges the call graph learned for it before the attack (the graph also saw the attack), and its later
 * traffic is replayed through an evaluator of Istio's authorization semantics.
 */
import { describe, expect, it } from 'vitest';
import type { MeshEvent } from '../../pipelines/core/event.js';
import { CallGraph } from '../../pipelines/features/call-graph.js';
import { defaultParseOptions, parseLine } from '../../pipelines/parse/index.js';
import { containToBaseline } from '../../pipelines/responders/least-privilege/contain.js';
import { simulateInto } from '../../pipelines/sources/simulator/index.js';
import { evaluate } from '../helpers/istio-authz.js';

const MINUTE = 60_000;

describe('on simulated mesh traffic: the lateral-movement attacker contained to its baseline', () => {
  const START = Date.parse('2026-03-02T10:00:00Z');
  const events: MeshEvent[] = [];
  simulateInto(
    {
      seed: 1,
      startMs: START,
      durationMs: 60 * MINUTE,
      warmupMs: 30 * MINUTE,
      services: 12,
      ratePerSec: 15,
      scenarios: ['lateral_movement'],
      benign: [],
    },
    (line) =>
      parseLine(line, 'auto', defaultParseOptions, (r) => {
        if (r.ok) events.push(r.event);
      }),
  );
  const attack = events.filter((e) => e.label === 'lateral_movement');
  const attacker = attack.find((e) => e.srcPrincipal !== '')?.srcPrincipal ?? '';
  const attackStart = Math.min(...attack.map((e) => e.timeMs));
  // Learned by the service up to the detection, the attack's own calls included.
  const graph = new CallGraph();
  for (const e of events) if (e.timeMs < attackStart + MINUTE) graph.observe(e);
  const plan = containToBaseline(attacker, graph.destinations(), ['kube-system', 'istio-system'], {
    baselineBeforeMs: attackStart,
  });
  const later = events
    .filter((e) => e.direction === 'inbound' && e.timeMs >= attackStart)
    .map((e) => ({
      e,
      allowed: evaluate(plan.policies, {
        namespace: e.dstNamespace,
        labels: e.podLabels,
        principal: e.srcPrincipal,
        method: e.method,
        path: e.path,
      }).allowed,
    }));
  const show = (r: { e: MeshEvent }): string => `${r.e.label || 'normal'}: ${r.e.src} -> ${r.e.dst}`;

  it('keeps every call of the attacker on an edge it had before the attack', () => {
    expect(attacker).toMatch(/^spiffe:\/\//);
    const baseline = later.filter((r) => r.e.srcPrincipal === attacker && r.e.label === '');
    expect(baseline.length).toBeGreaterThan(20);
    expect([...new Set(baseline.filter((r) => !r.allowed).map(show))]).toEqual([]);
  });

  it('denies every lateral-movement call it makes', () => {
    const moves = later.filter((r) => r.e.label === 'lateral_movement' && r.e.srcPrincipal === attacker);
    expect(moves.length).toBeGreaterThan(5);
    expect([...new Set(moves.filter((r) => r.allowed).map(show))]).toEqual([]);
  });

  it('changes nothing for any other workload', () => {
    const others = later.filter((r) => r.e.srcPrincipal !== attacker);
    expect(others.length).toBeGreaterThan(1000);
    expect(others.every((r) => r.allowed)).toBe(true);
  });
});
