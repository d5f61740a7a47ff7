/**
 * single_flow_volume: one request or connection carrying far more than that edge ever carries per
 * request: a dump read in one go (7.5 MB from a server that answers a few KB) needs no second heavy
 * window. Judged on first sight, with a score that grows with how rare the size is for the edge (or,
 * for a caller without a baseline of its own, for what the destination answers everyone).
 */
import type { Finding } from '../../core/finding.js';
import type { EwStat } from '../../features/stats.js';
import type { WindowContext } from '../detector.js';
import type { ExfiltrationConfig } from './config.js';

export const SINGLE_FLOW_VOLUME = 'single_flow_volume';

/** How far above the usual bytes per request a single flow must be before it is evidence at all. */
const MIN_RATIO = 100;

/** Usual bytes per request of a baseline: its bytes per window over its requests per window. */
function perRequest(bytes: EwStat, requests: EwStat): number {
  return Math.expm1(bytes.mean) / Math.max(1, Math.expm1(requests.mean));
}

/** Caller windows a destination must have served before its usual answer is a baseline. */
const MIN_SERVED_WINDOWS = 5;

/**
 * What a flow on the edge to `dst` is judged against: the edge's own history; for a new edge, what the
 * source moves per request anywhere; for a source without a baseline (a new workload, one that only
 * ever served traffic), what the destination answers all its callers. Beyond its own edge, a flow no
 * larger than the destination ever served anyone (a scheduled export) is not news.
 */
function baselineOf(
  ctx: WindowContext,
  dst: string,
  dir: 'down' | 'up',
): { usual: number; peak: number; peakIs: string; of: string } | undefined {
  const base = ctx.state.findEdge(dst);
  if (!ctx.newEntity && base !== undefined && base.bytesDown.count >= 5)
    return {
      usual: perRequest(dir === 'down' ? base.bytesDown : base.bytesUp, base.requestsPerWindow),
      peak: dir === 'down' ? base.peakDown : base.peakUp,
      peakIs: 'largest_past_window_bytes',
      of: 'edge',
    };
  const served = ctx.peers.destinationFlows.get(dst);
  const known = served !== undefined && served.windows >= MIN_SERVED_WINDOWS;
  const sourceKnown = !ctx.newEntity && ctx.state.requests.count >= 5;
  if (!known && !sourceKnown) return undefined;
  return {
    usual: sourceKnown
      ? perRequest(dir === 'down' ? ctx.state.bytesDown : ctx.state.bytesUp, ctx.state.requests)
      : served!.usual(dir),
    peak: known ? served.peak(dir, ctx.endMs) : 0,
    peakIs: 'largest_past_flow_bytes',
    of: sourceKnown ? 'source (new destination)' : 'destination (what it answers all its callers)',
  };
}

export function singleFlowVolume(ctx: WindowContext, cfg: ExfiltrationConfig): Finding | undefined {
  const w = ctx.window;
  let best: Finding | undefined;
  for (const [dst, e] of w.edges) {
    if (Math.max(e.maxFlowDown, e.maxFlowUp) < cfg.min_bytes) continue;
    for (const dir of ['down', 'up'] as const) {
      const flow = dir === 'down' ? e.maxFlowDown : e.maxFlowUp;
      if (flow < cfg.min_bytes) continue;
      const baseline = baselineOf(ctx, dst, dir);
      // The edge has carried windows this large before (a scheduled export): not news.
      if (baseline === undefined || flow <= baseline.peak) continue;
      const ratio = flow / Math.max(baseline.usual, 1024);
      if (ratio < MIN_RATIO) continue;
      // 100× the usual size: one in a thousand; each further tenfold: ten times rarer.
      const surprise = Math.min(6, 1 + Math.log10(ratio));
      const score = 1 - Math.pow(10, -surprise);
      if (score < cfg.threshold || (best && best.score >= score)) continue;
      best = {
        detector: SINGLE_FLOW_VOLUME,
        kind: 'exfiltration',
        entity: w.src,
        score,
        timeMs: ctx.endMs,
        firstEventMs: e.firstMs,
        evidence: {
          destination: dst,
          direction: dir === 'down' ? 'read from destination' : 'sent to destination',
          bytes: flow,
          usual_bytes_per_request: Math.round(baseline.usual),
          [baseline.peakIs]: Math.round(baseline.peak),
          ratio: Math.round(ratio),
          baseline_of: baseline.of,
          note: 'one request or connection',
        },
      };
    }
  }
  return best;
}
