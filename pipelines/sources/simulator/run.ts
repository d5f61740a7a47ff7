/**
 * A whole labeled run: baseline first, then the chosen scenarios spread over the rest of the window with
 * different actors and no overlap, written as NDJSON lines to any sink (file, stdout, later Kafka).
 */
import { Rng, mixSeed } from './prng.js';
import { ATTACK_SCENARIOS, BENIGN_SCENARIOS, scenarioByName } from './scenarios/index.js';
import { MeshSimulator, type GroundTruth, type SimulatorOptions } from './simulator.js';

export interface RunOptions extends SimulatorOptions {
  durationMs: number;
  /** Attack scenarios to play; default all. */
  scenarios?: readonly string[];
  /** Benign hard cases to play; default all. */
  benign?: readonly string[];
  /** Normal traffic before the first scenario. Default 10 minutes (less when the run is shorter). */
  warmupMs?: number;
  /** Called once per chunk of generated time, e.g. to report progress. */
  onProgress?: (doneMs: number, totalMs: number) => void;
}

export interface RunPlan {
  scenario: string;
  atMs: number;
  untilMs: number;
}

const MIN_GAP_MS = 60_000;

/**
 * Where each scenario goes: after the warm-up, in a seeded shuffled order, each in its own slot
 * (slot = its own duration, shared out evenly when the window is large; capped when it is small).
 */
export function planRun(opts: RunOptions): { plan: RunPlan[]; warnings: string[] } {
  const names = [...(opts.scenarios ?? ATTACK_SCENARIOS), ...(opts.benign ?? BENIGN_SCENARIOS)];
  const warnings: string[] = [];
  const defs = names.map((n) => {
    const d = scenarioByName(n);
    if (!d) throw new Error(`unknown scenario "${n}"`);
    return d;
  });
  if (defs.length === 0) return { plan: [], warnings };
  const warmup = opts.warmupMs ?? Math.min(10 * 60_000, Math.floor(opts.durationMs / 3));
  const rng = new Rng(mixSeed(opts.seed, 0x91a2));
  for (let i = defs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [defs[i], defs[j]] = [defs[j] as (typeof defs)[number], defs[i] as (typeof defs)[number]];
  }
  const available = opts.durationMs - warmup;
  const wanted = defs.reduce((s, d) => s + d.durationMs + MIN_GAP_MS, 0);
  const scale = wanted > available ? available / wanted : 1;
  if (scale < 1) {
    const need = Math.ceil((wanted + warmup) / 60_000);
    warnings.push(
      `${defs.length} scenarios need about ${need} minutes; in ${Math.round(opts.durationMs / 60_000)} minutes they are shortened (use --duration ${need}m for full-length scenarios)`,
    );
  }
  // Spread the spare time evenly between scenarios so they are not bunched at the start.
  const spare = scale < 1 ? 0 : (available - wanted) / defs.length;
  const plan: RunPlan[] = [];
  let t = opts.startMs + warmup;
  for (const d of defs) {
    const slot = (d.durationMs + MIN_GAP_MS) * scale + spare;
    const at = Math.round(t + spare / 2);
    plan.push({
      scenario: d.name,
      atMs: at,
      untilMs: Math.round(Math.min(at + d.durationMs * scale, t + slot)),
    });
    t += slot;
  }
  return { plan, warnings };
}

/**
 * Simulate a whole run into `sink` (one JSON line per record) and return the ground truth.
 * Producing to Kafka is a sink that sends each line.
 */
export function simulateInto(
  opts: RunOptions,
  sink: (line: string) => void,
): { truth: GroundTruth[]; records: number; warnings: string[]; sim: MeshSimulator } {
  const sim = new MeshSimulator(opts);
  const { plan, warnings } = planRun(opts);
  for (const p of plan) sim.schedule(p.scenario, p.atMs, undefined, { untilMs: p.untilMs });
  let records = 0;
  const end = opts.startMs + opts.durationMs;
  const chunk = 60_000;
  for (let from = opts.startMs; from < end; from += chunk) {
    const to = Math.min(end, from + chunk);
    sim.generate(from, to, (r) => {
      records++;
      sink(JSON.stringify(r));
    });
    opts.onProgress?.(to - opts.startMs, opts.durationMs);
  }
  return { truth: sim.groundTruth(), records, warnings, sim };
}
