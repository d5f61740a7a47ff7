/**
 * Detection-quality evaluation: labeled simulated traffic through the real pipeline (JSON lines →
 * parser → windows → detectors → incidents), matched against the simulator's ground truth.
 */
import pino from 'pino';
import { loadConfig, type ConfigOverrides } from '../../config/load.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { parseLine } from '../../pipelines/parse/index.js';
import { EventClock } from '../../pipelines/core/clock.js';
import { assemble } from '../assembly/assemble.js';
import { parseOptionsOf } from '../../pipelines/parse/index.js';
import {
  MeshSimulator,
  planRun,
  type GroundTruth,
  type RunOptions,
} from '../../pipelines/sources/simulator/index.js';

/** An incident counts for a scenario when raised from a minute before it starts to two after it ends. */
const MATCH_BEFORE_MS = 60_000;
const MATCH_AFTER_MS = 120_000;

export interface ScenarioOutcome {
  truth: GroundTruth;
  incidents: Incident[];
  detected: boolean;
  /** Seconds of event time from the scenario's start to the first fitting incident. */
  timeToDetectSecs?: number;
  /** A benign scenario's actor got a high or critical incident. */
  highAgainstBenign: boolean;
}

export interface RunOutcome {
  outcomes: ScenarioOutcome[];
  /** Incidents that match no attack (false alarms), with benign-scenario ones included. */
  falseIncidents: Incident[];
  events: number;
  simulatedHours: number;
}

function offenderKey(i: Incident): string {
  return 'principal' in i.workload ? i.workload.principal : i.workload.address;
}

/**
 * The evaluation measures detection only: defaults, no file and no environment, state in memory on event
 * time, no neural model (it trains on the wall clock), and responders that neither alert nor quarantine.
 */
const EVAL_OVERRIDES: ConfigOverrides = {
  log_level: 'silent',
  redis: { url: '' },
  neural: { enabled: false },
  quarantine: { sink: 'none' },
  alerts: { channels: [] },
  // The simulator hands out pod IPs from 10.8.0.0/14, as a CNI would: the mesh CIDR a deployer configures.
  addresses: { mesh_cidrs: ['10.8.0.0/14'] },
};

export async function evaluateRun(
  opts: RunOptions,
  /** Scenarios placed by hand, on top of the planned ones (e.g. a nightly job after a full day). */
  extra: Array<{ scenario: string; atMs: number }> = [],
): Promise<RunOutcome> {
  const cfg = await loadConfig({ env: {}, overrides: EVAL_OVERRIDES });
  const clock = new EventClock();
  const incidents: Incident[] = [];
  const { pipeline, shutdown } = await assemble(cfg, {
    eventClock: clock,
    logger: pino({ level: 'silent' }),
    onIncident: (incident) => void incidents.push(incident),
  });
  const parseOptions = parseOptionsOf(cfg);
  let events = 0;
  const sim = new MeshSimulator(opts);
  for (const p of planRun(opts).plan) sim.schedule(p.scenario, p.atMs, undefined, { untilMs: p.untilMs });
  for (const x of extra) sim.schedule(x.scenario, x.atMs);
  const end = opts.startMs + opts.durationMs;
  for (let from = opts.startMs; from < end; from += 60_000) {
    sim.generate(from, Math.min(end, from + 60_000), (record) => {
      parseLine(JSON.stringify(record), 'auto', parseOptions, (r) => {
        if (!r.ok) return;
        events++;
        clock.advance(r.event.timeMs);
        pipeline.push(r.event);
      });
    });
  }
  const truth = sim.groundTruth();
  pipeline.finish();
  await pipeline.drain();
  await shutdown();
  return { ...matchIncidents(truth, incidents), events, simulatedHours: opts.durationMs / 3_600_000 };
}

export function matchIncidents(
  truth: GroundTruth[],
  incidents: Incident[],
): { outcomes: ScenarioOutcome[]; falseIncidents: Incident[] } {
  const matchedToAttack = new Set<string>();
  const outcomes = truth.map((t): ScenarioOutcome => {
    const mine = incidents.filter((i) => {
      const key = offenderKey(i);
      const at = Date.parse(i.detectedAt);
      return (
        (key === t.actor.principal || key === t.actor.address) &&
        at >= t.startMs - MATCH_BEFORE_MS &&
        at <= t.endMs + MATCH_AFTER_MS
      );
    });
    const fitting = mine.filter((i) => t.acceptableKinds.includes(i.kind));
    if (t.attack) for (const i of mine) matchedToAttack.add(i.id);
    const first = fitting.sort((a, b) => Date.parse(a.detectedAt) - Date.parse(b.detectedAt))[0];
    return {
      truth: t,
      incidents: mine,
      detected: t.attack && first !== undefined,
      timeToDetectSecs: first ? Math.max(0, (Date.parse(first.detectedAt) - t.startMs) / 1000) : undefined,
      highAgainstBenign: !t.attack && mine.some((i) => i.severity === 'high' || i.severity === 'critical'),
    };
  });
  return { outcomes, falseIncidents: incidents.filter((i) => !matchedToAttack.has(i.id)) };
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}
