/**
 * MeshSimulator: baseline mesh traffic plus scheduled scenarios, rendered as Istio access-log records in
 * event-time order. Time is cut into one-second ticks, each with its own seeded random streams (one per
 * edge for the baseline, one per scheduled scenario), so any [from, to) slicing of the same run yields the
 * same records: the live demo's one-second calls and a one-shot file agree.
 */
import type { IncidentKind } from '../../core/incident.js';
import { Rng, hashUniform, mixSeed } from './prng.js';
import type { AccessRecord, RenderOptions } from './records.js';
import { rendererFor, type Renderer, type SimMesh } from './renderers.js';
import type { ScenarioDefinition, ScenarioPlan } from './scenario.js';
import { scenarioByName, SCENARIOS } from './scenarios/index.js';
import { arrivals, edgeRate, normalRequest, type SimRequest } from './traffic.js';
import { buildTopology, type Topology, type Workload } from './topology.js';

export interface SimulatorOptions {
  seed: number;
  /** Start of simulated time (epoch ms); used to anchor nothing but documentation and the CLI. */
  startMs: number;
  /** Number of services (the first N of the catalog, gateway included). Default: all (~50). */
  services?: number;
  /** Mean in-mesh request rate at the daily average, requests/s. Default 200. */
  ratePerSec?: number;
  /** 'spiffe': peer URI SANs and Kubernetes metadata in each record; 'address': Istio's default format only. */
  identity?: 'spiffe' | 'address';
  /** Also emit the source sidecar's outbound record for in-mesh requests. Default true. */
  bothSidecars?: boolean;
  /** Whose records to write: Istio's sidecars (default) or another mesh's formats (renderers.ts). */
  mesh?: SimMesh;
}

export interface GroundTruth {
  scenario: string;
  attack: boolean;
  acceptableKinds: IncidentKind[];
  actor: { namespace: string; serviceAccount: string; principal: string; address: string };
  startMs: number;
  endMs: number;
}

export interface ScheduleOptions {
  /** Stop the scenario at this time even if its plan runs longer (keeps scheduled scenarios apart). */
  untilMs?: number;
}

interface Scheduled {
  index: number;
  def: ScenarioDefinition;
  plan: ScenarioPlan;
  fromMs: number;
  endMs: number;
  truth: GroundTruth;
}

const TICK_MS = 1000;

export class MeshSimulator {
  readonly topology: Topology;
  private readonly seed: number;
  private readonly render: RenderOptions;
  private readonly renderer: Renderer;
  private readonly scheduled: Scheduled[] = [];
  private readonly usedActors = new Set<Workload>();

  constructor(opts: SimulatorOptions) {
    this.seed = opts.seed >>> 0;
    this.topology = buildTopology(this.seed, opts.services, opts.ratePerSec ?? 200);
    this.render = { identity: opts.identity ?? 'spiffe', bothSidecars: opts.bothSidecars ?? true };
    this.renderer = rendererFor(opts.mesh ?? 'istio', this.render);
  }

  /** Scheduled scenarios so far (ground truth for evaluation). */
  groundTruth(): GroundTruth[] {
    return this.scheduled.map((s) => ({
      ...s.truth,
      acceptableKinds: [...s.truth.acceptableKinds],
      actor: { ...s.truth.actor },
    }));
  }

  /**
   * Schedule a scenario (attack or benign) starting at atMs. Picks a fitting actor unless given
   * (`namespace/name` or a unique name), preferring workloads no earlier scenario used.
   * Throws on an unknown scenario or actor: this is set-up, not input.
   */
  schedule(scenario: string, atMs: number, actor?: string, opts: ScheduleOptions = {}): GroundTruth {
    const def = scenarioByName(scenario);
    if (!def)
      throw new Error(`unknown scenario "${scenario}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    const index = this.scheduled.length;
    const rng = new Rng(mixSeed(this.seed, 0x5ced, index));
    let who: Workload | undefined;
    if (actor !== undefined) {
      who = this.topology.workload(actor);
      if (!who) throw new Error(`unknown actor "${actor}" for scenario ${scenario}`);
    } else {
      const candidates = def.candidates(this.topology);
      if (candidates.length === 0)
        throw new Error(`no workload in this mesh can play ${scenario}; use more services`);
      const fresh = candidates.filter((w) => !this.usedActors.has(w));
      who = rng.pick(fresh.length > 0 ? fresh : candidates);
    }
    this.usedActors.add(who);
    const plan = def.plan({
      topology: this.topology,
      actor: who,
      startMs: atMs,
      untilMs: opts.untilMs,
      rng,
      seed: this.seed,
      label: def.name,
    });
    const endMs = opts.untilMs !== undefined ? Math.min(plan.endMs, opts.untilMs) : plan.endMs;
    const pod = who.pods[0];
    const truth: GroundTruth = {
      scenario: def.name,
      attack: def.attack,
      acceptableKinds: [...def.acceptableKinds],
      actor: {
        namespace: who.namespace,
        serviceAccount: who.serviceAccount,
        principal: who.principal,
        address: pod ? pod.ip : '',
      },
      startMs: atMs,
      endMs,
    };
    this.scheduled.push({ index, def, plan, fromMs: plan.fromMs ?? atMs, endMs, truth });
    return truth;
  }

  /** Emit every record with event time in [fromMs, toMs), in time order (baseline + scheduled scenarios). */
  generate(fromMs: number, toMs: number, emit: (record: Record<string, unknown>) => void): void {
    const batch: SimRequest[] = [];
    const push = (r: SimRequest): void => {
      batch.push(r);
    };
    for (let tick = Math.floor(fromMs / TICK_MS) * TICK_MS; tick < toMs; tick += TICK_MS) {
      batch.length = 0;
      this.baselineTick(tick, push);
      for (const s of this.scheduled) {
        if (tick + TICK_MS <= s.fromMs || tick >= s.endMs) continue;
        s.plan.tick(tick, new Rng(mixSeed(this.seed, tick / TICK_MS, 0x5c00 + s.index)), (r) => {
          // Scenario contract: emit only inside the tick and before the scenario's (possibly capped) end.
          if (r.timeMs >= tick && r.timeMs < tick + TICK_MS && r.timeMs < s.endMs) batch.push(r);
        });
      }
      // Sort by time, ties in generation order (baseline before scenarios): numeric keys (offset in the
      // tick, then position) in a typed array sort natively, much faster than a comparator.
      const keys = new Float64Array(batch.length);
      for (let i = 0; i < batch.length; i++) keys[i] = ((batch[i] as SimRequest).timeMs - tick) * 2 ** 22 + i;
      keys.sort();
      for (let i = 0; i < keys.length; i++) {
        const r = batch[(keys[i] as number) % 2 ** 22] as SimRequest;
        if (r.timeMs >= fromMs && r.timeMs < toMs) this.renderer(r, emit as (record: AccessRecord) => void);
      }
    }
  }

  private baselineTick(tick: number, emit: (r: SimRequest) => void): void {
    const second = tick / TICK_MS;
    const scaled = this.scheduled.filter(
      (s) => s.plan.baselineScale && tick < s.endMs && tick + TICK_MS > s.truth.startMs,
    );
    for (const edge of this.topology.edges) {
      const rate = edgeRate(this.seed, edge, tick);
      if (rate <= 0) continue;
      const rng = new Rng(mixSeed(this.seed, second, edge.index));
      arrivals(rate, tick, rng, (t) => {
        const req = normalRequest(edge, t, rng);
        if (scaled.length > 0) {
          // Thinning by a hash of the request keeps the rest of the baseline identical with or without scenarios.
          let keep = 1;
          for (const s of scaled) keep *= s.plan.baselineScale?.(edge, t) ?? 1;
          if (keep < 1 && hashUniform(req.entropy, 0x7417) >= keep) return;
        }
        emit(req);
      });
    }
  }
}
