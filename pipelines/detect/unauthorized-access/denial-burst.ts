/**
 * denial_burst: bursts of 401/403 and Istio RBAC denials from one identity, judged per destination
 * against that edge's own denial rate (or, for edges and identities without one, the peers').
 */
import type { Finding } from '../../core/finding.js';
import { binomialZ, zToProbability } from '../../features/stats.js';
import { RECENT_NEW_DESTINATION_MS, roundRatio, type WindowContext } from '../detector.js';
import type { UnauthorizedAccessConfig } from './config.js';

export const DENIAL_BURST = 'denial_burst';

export function denialBurst(ctx: WindowContext, cfg: UnauthorizedAccessConfig): Finding | undefined {
  const w = ctx.window;
  if (w.denied < 2) return undefined;
  const peerRatio = ctx.peers.deniedRatio.mean;
  const recentNew = new Set(
    ctx.newDestinations.concat(ctx.state.recentNewDestinations(ctx.endMs, RECENT_NEW_DESTINATION_MS)),
  );

  // Edges whose refusals are far above what that caller usually gets from that destination.
  let denied = 0;
  let requests = 0;
  let expected = 0;
  let deniedOnNew = 0;
  let requestsToNew = 0;
  const destinations: string[] = [];
  for (const [dst, e] of w.edges) {
    if (recentNew.has(dst)) {
      deniedOnNew += e.denied;
      requestsToNew += e.requests;
    }
    if (e.denied < 2) continue;
    const base = ctx.state.findEdge(dst);
    const own = !ctx.learning && !ctx.newEntity && base !== undefined && base.deniedRatio.count >= 5;
    const baseRatio = own ? base.deniedRatio.mean : peerRatio;
    const ratio = e.denied / e.requests;
    // Callers that always get some refusals (expired sessions at a login endpoint) vary a lot:
    // ask for a large multiple of their usual share, not a small statistical excess.
    if (ratio < Math.max(0.4, 5 * baseRatio + 0.15)) continue;
    denied += e.denied;
    requests += e.requests;
    expected += e.requests * baseRatio;
    destinations.push(dst);
  }
  // Calls spread over never-called services that are only sometimes refused are lateral movement;
  // new_destinations names that. Mostly-refused calls stay here (RBAC probing).
  if (!ctx.newEntity && requestsToNew > 0 && deniedOnNew * 2 < requestsToNew && deniedOnNew * 2 >= w.denied)
    return undefined;

  const recent = ctx.state.deniedRecent + denied;
  const burst = denied >= cfg.min_denials;
  const trickle = recent >= cfg.min_denials * 2 && denied >= 2;
  if (!burst && !trickle) return undefined;
  const baseRatio = expected / Math.max(1, requests);
  const score = zToProbability(binomialZ(denied, requests, baseRatio) / 2); // halved: denials come in bursts
  if (score < cfg.threshold) return undefined;
  return {
    detector: DENIAL_BURST,
    kind: 'unauthorized_access',
    entity: w.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: w.firstDeniedMs === Number.MAX_SAFE_INTEGER ? w.firstMs : w.firstDeniedMs,
    evidence: {
      denied,
      rbac_denied: w.rbacDenied,
      requests,
      denied_ratio: roundRatio(denied / requests),
      baseline_denied_ratio: roundRatio(baseRatio),
      baseline: ctx.learning || ctx.newEntity ? 'peers' : 'own',
      destinations_denied: destinations.slice(0, 10),
      examples: w.deniedExamples,
    },
  };
}
