/**
 * connection_sweep: port and host sweeps read from connection outcomes, in L4 and HTTP logs alike. A
 * scanner leaves failed connections (Envoy flags UF, UH, NR, URX, NC, or TCP sessions that moved no
 * byte) spread over many distinct `host:port` targets it never used; an outage leaves failures on the
 * few destinations the source always calls.
 */
import type { Finding } from '../../core/finding.js';
import type { EntityState } from '../../features/entity-state.js';
import { roundRatio, type WindowContext } from '../detector.js';
import type { ScanningConfig } from './config.js';

export const CONNECTION_SWEEP = 'connection_sweep';

/** `reviews.shop.svc.cluster.local:9080` → host and port (the port is 0 when the log had none). */
function splitTarget(target: string): [string, string] {
  const colon = target.lastIndexOf(':');
  return [target.slice(0, colon), target.slice(colon + 1)];
}

function knownTarget(state: EntityState, host: string): boolean {
  return state.knowsDestination(host) || state.externalHost(host)?.known === true;
}

export function connectionSweep(ctx: WindowContext, cfg: ScanningConfig): Finding | undefined {
  const w = ctx.window;
  if (w.failedTargets.size < cfg.min_failed_targets) return undefined;
  const hosts = new Set<string>();
  const ports = new Set<string>();
  const examples: string[] = [];
  let fresh = 0;
  for (const target of w.failedTargets) {
    const [host, port] = splitTarget(target);
    if (knownTarget(ctx.state, host)) continue;
    fresh++;
    hosts.add(host);
    ports.add(port);
    if (examples.length < 10) examples.push(target);
  }
  if (fresh < cfg.min_failed_targets) return undefined;
  // Failures hidden in a busy workload's traffic need more targets before they speak for themselves.
  const failedRatio = w.failedConnections / w.requests;
  if (failedRatio < 0.1 && fresh < 3 * cfg.min_failed_targets) return undefined;
  // Ten never-used targets failing is rare by chance; each doubling makes it ten times rarer.
  const score = 1 - 0.01 * Math.pow(cfg.min_failed_targets / fresh, 3.3);
  if (score < cfg.threshold) return undefined;
  return {
    detector: CONNECTION_SWEEP,
    kind: 'scanning',
    entity: w.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: w.firstFailedMs === Number.MAX_SAFE_INTEGER ? w.firstMs : w.firstFailedMs,
    evidence: {
      failed_connections: w.failedConnections,
      requests: w.requests,
      failed_ratio: roundRatio(failedRatio),
      never_used_failed_targets: fresh,
      distinct_hosts: hosts.size,
      distinct_ports: ports.size,
      sweep: hosts.size >= ports.size ? 'hosts' : 'ports',
      targets_beyond_cap: w.targetsOverflow,
      examples,
    },
  };
}
