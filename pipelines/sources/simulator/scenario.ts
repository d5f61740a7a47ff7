/**
 * The scenario contract. A scenario is a small typed object: what it is, whether it is an attack, which
 * incident kinds count as catching it, who can play it, and a plan that emits its requests one second
 * (tick) at a time. Ticks get their own seeded random stream, so output never depends on how the caller
 * slices time.
 */
import type { IncidentKind } from '../../core/incident.js';
import type { EndpointTemplate } from './catalog.js';
import { hashUniform, type Rng } from './prng.js';
import type { SimRequest } from './traffic.js';
import type { Edge, ExternalHost, Topology, Workload } from './topology.js';

export interface ScenarioContext {
  topology: Topology;
  /** The workload playing the scenario (the compromised one for attacks). */
  actor: Workload;
  startMs: number;
  /**
   * Where the run cuts this scenario short (a library shortened to fit the run), when it does: a plan
   * with one decisive event places it before this, or the attack is never played.
   */
  untilMs?: number;
  /** Plan-time random stream (targets, hosts); ticks get their own. */
  rng: Rng;
  /** The simulator's seed, for scenarios that reuse the baseline's rate model. */
  seed: number;
  /** The label every request of this scenario carries (its name). */
  label: string;
}

export interface ScenarioPlan {
  /** First event time it may emit (default: the start). nightly_batch also replays yesterday's run. */
  fromMs?: number;
  endMs: number;
  /** Emit this scenario's requests whose time falls in [tickMs, tickMs + 1000). */
  tick(tickMs: number, rng: Rng, emit: (req: SimRequest) => void): void;
  /**
   * Multiplier on a baseline edge while the scenario is active (an outage replaces healthy traffic,
   * a canary moves a share of it to new pods). Omitted: the baseline is untouched.
   */
  baselineScale?(edge: Edge, tMs: number): number;
}

export interface ScenarioDefinition {
  readonly name: string;
  readonly description: string;
  readonly attack: boolean;
  /** Incident kinds that count as detecting it (attacks); empty for benign scenarios. */
  readonly acceptableKinds: readonly IncidentKind[];
  /** Typical length, used to space scenarios out. */
  readonly durationMs: number;
  /** Workloads able to play it (e.g. those that call a data service), best fits first. */
  candidates(topology: Topology): Workload[];
  plan(ctx: ScenarioContext): ScenarioPlan;
}

/** Endpoint shortcut for scenario-specific requests. */
export function endpoint(
  method: string,
  path: string,
  respBytes: number,
  latencyMs = 10,
  reqBytes = 0,
): EndpointTemplate {
  return {
    method,
    path,
    weight: 1,
    respBytes,
    reqBytes,
    latencyMs,
    profile: method === 'GET' ? 'read' : 'write',
  };
}

/** An external host that is not part of the topology (attacker infrastructure). */
export function externalHost(
  host: string,
  ip: string,
  port: number,
  registered = false,
  endpoints: EndpointTemplate[] = [],
): ExternalHost {
  return { host, ip, port, registered, endpoints };
}

/** Workloads other than the gateway and infrastructure: the ones an attacker could plausibly compromise. */
export function appWorkloads(t: Topology): Workload[] {
  return t.workloads.filter((w) => w.kind !== 'gateway' && w.kind !== 'infra');
}

/** Destinations a workload calls in the baseline. */
export function baselineDestinations(t: Topology, w: Workload): Set<Workload | ExternalHost> {
  return new Set(t.outgoing(w).map((e) => e.dst));
}

/** Workloads `w` never calls in the baseline (in-mesh, with a sidecar, excluding itself and the gateway). */
export function neverCalled(t: Topology, w: Workload): Workload[] {
  const known = baselineDestinations(t, w);
  return t.workloads.filter((x) => x !== w && x.kind !== 'gateway' && x.sidecar && !known.has(x));
}

/** A request shaped by a scenario: sensible defaults, every field overridable. */
export function craft(
  ctx: ScenarioContext,
  rng: Rng,
  timeMs: number,
  dst: Workload | ExternalHost,
  fields: Partial<SimRequest>,
): SimRequest {
  const inMesh = 'principal' in dst;
  const base: SimRequest = {
    timeMs,
    src: ctx.actor,
    srcPod: ctx.actor.pods[0] as SimRequest['srcPod'],
    dst,
    dstPod: inMesh ? rng.pick((dst as Workload).pods) : undefined,
    egressVia: inMesh ? '' : (dst as ExternalHost).registered ? 'registered' : 'passthrough',
    http: true,
    method: 'GET',
    path: '/',
    status: 200,
    flags: '-',
    details: 'via_upstream',
    bytesUp: 0,
    bytesDown: 0,
    durationMs: rng.int(2, 20),
    userAgent: ctx.actor.userAgent,
    mtls: true,
    logged: 'both',
    xForwardedFor: null,
    label: ctx.label,
    entropy: (rng.next() * 4294967296) >>> 0,
  };
  return Object.assign(base, fields);
}

/** Spread `count` events per second (Poisson) across a tick while `from <= t < to`. */
export function during(
  tickMs: number,
  fromMs: number,
  toMs: number,
  rate: number,
  rng: Rng,
  each: (timeMs: number) => void,
): void {
  if (tickMs + 1000 <= fromMs || tickMs >= toMs) return;
  const n = rng.poisson(rate);
  for (let i = 0; i < n; i++) {
    const t = tickMs + Math.floor(rng.next() * 1000);
    if (t >= fromMs && t < toMs) each(t);
  }
}

/**
 * Events at a fixed period with jitter (beacons, drips): calls `each` for those falling in this tick.
 * The jitter of event n depends only on (seed, n), so it is the same whichever tick computes it.
 */
export function periodic(
  tickMs: number,
  fromMs: number,
  toMs: number,
  periodMs: number,
  jitterMs: number,
  seed: number,
  each: (timeMs: number, n: number) => void,
): void {
  if (tickMs + 1000 + jitterMs <= fromMs || tickMs - jitterMs >= toMs) return;
  const first = Math.max(0, Math.floor((tickMs - jitterMs - fromMs) / periodMs));
  for (let n = first; ; n++) {
    const nominal = fromMs + n * periodMs;
    if (nominal - jitterMs >= tickMs + 1000 || nominal >= toMs) break;
    const t = Math.round(nominal + (hashUniform(seed, n) * 2 - 1) * jitterMs);
    if (t >= tickMs && t < tickMs + 1000 && t >= fromMs) each(t, n);
  }
}
