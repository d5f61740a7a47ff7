import {
  appWorkloads,
  craft,
  externalHost,
  type ScenarioDefinition,
  type ScenarioContext,
} from '../scenario.js';
import type { Rng } from '../prng.js';
import type { SimRequest } from '../traffic.js';
import type { ExternalHost } from '../topology.js';
import { MINUTE } from './helpers.js';

/** Ports a sweep tries first (nmap's top ports), then the rest of 1-1024. */
const TOP_PORTS = [22, 80, 443, 3306, 5432, 6379, 8080, 9200, 27017, 21, 25, 53, 110, 139, 445, 8443];

/**
 * One probe through the caller's sidecar to an address no Service names: PassthroughCluster, a refused
 * or unanswered connection (UF, zero bytes), or for an open port a few bytes of banner.
 */
export function probe(
  ctx: ScenarioContext,
  rng: Rng,
  time: number,
  dst: ExternalHost,
  open: boolean,
): SimRequest {
  return craft(ctx, rng, time, dst, {
    http: false,
    method: '',
    path: '',
    status: 0,
    details: '',
    flags: open ? '-' : 'UF',
    bytesUp: 0,
    bytesDown: open ? rng.int(20, 120) : 0,
    durationMs: open ? rng.int(2, 30) : rng.int(0, 3),
  });
}

/** A port sweep: one pod's address, ports 1-1024 (top ports first), tens a second; all but one refused. */
export const portSweep: ScenarioDefinition = {
  name: 'port_sweep',
  description: 'A TCP port sweep of one pod IP through PassthroughCluster; refused ports logged with UF.',
  attack: true,
  acceptableKinds: ['scanning'],
  durationMs: 2 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const victims = ctx.topology.workloads.filter((w) => w !== ctx.actor && w.kind !== 'infra');
    const victim = ctx.rng.pick(victims);
    const ip = ctx.rng.pick(victim.pods).ip;
    const ports = [
      ...TOP_PORTS,
      ...Array.from({ length: 1024 }, (_, i) => i + 1).filter((p) => !TOP_PORTS.includes(p)),
    ];
    const targets = ports.map((p) => externalHost(ip, ip, p));
    const perSec = ctx.rng.int(8, 25);
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        const second = Math.floor((tickMs - ctx.startMs) / 1000);
        for (let i = 0; i < perSec; i++) {
          const dst = targets[(second * perSec + i) % targets.length]!;
          emit(probe(ctx, rng, tickMs + Math.floor((i * 1000) / perSec), dst, dst.port === victim.port));
        }
      },
    };
  },
};

/** A host sweep: every pod address of the mesh on a handful of ports, a few a second; most refused. */
export const hostSweep: ScenarioDefinition = {
  name: 'host_sweep',
  description:
    'A sweep of pod IPs on common ports through PassthroughCluster; unanswered ones logged with UF.',
  attack: true,
  acceptableKinds: ['scanning'],
  durationMs: 3 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const ips = ctx.topology.workloads
      .filter((w) => w !== ctx.actor)
      .flatMap((w) => w.pods.map((p) => ({ ip: p.ip, port: w.port })));
    const ports = [22, 80, 443, 6379, 8080];
    const targets = ips.flatMap((h) =>
      ports.map((p) => ({ dst: externalHost(h.ip, h.ip, p), open: p === h.port })),
    );
    const perSec = ctx.rng.int(3, 8);
    const endMs = ctx.startMs + this.durationMs;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (tickMs < ctx.startMs || tickMs >= endMs) return;
        const second = Math.floor((tickMs - ctx.startMs) / 1000);
        for (let i = 0; i < perSec; i++) {
          const t = targets[(second * perSec + i) % targets.length]!;
          emit(probe(ctx, rng, tickMs + Math.floor((i * 1000) / perSec), t.dst, t.open));
        }
      },
    };
  },
};
