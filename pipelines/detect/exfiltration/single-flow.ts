/**
 * single_flow_volume: one request or connection carrying far more than that edge ever carries per
 * request: a dump read in one go (7.5 MB from a server that answers a few KB) needs no second heavy
 * window. Judged on first sight, with a score that grows with how rare the size is for the edge.
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

export function singleFlowVolume(ctx: WindowContext, cfg: ExfiltrationConfig): Finding | undefined {
  const w = ctx.window;
  let best: Finding | undefined;
  for (const [dst, e] of w.edges) {
    if (Math.max(e.maxFlowDown, e.maxFlowUp) < cfg.min_bytes) continue;
    const base = ctx.state.findEdge(dst);
    const own = base !== undefined && base.bytesDown.count >= 5;
    // A new edge is judged against what the source usually moves per request anywhere.
    if (!own && ctx.state.requests.count < 5) continue;
    for (const dir of ['down', 'up'] as const) {
      const flow = dir === 'down' ? e.maxFlowDown : e.maxFlowUp;
      if (flow < cfg.min_bytes) continue;
      // The edge has carried windows this large before (a scheduled export): not news.
      const peak = own ? (dir === 'down' ? base.peakDown : base.peakUp) : 0;
      if (flow <= peak) continue;
      const usual = own
        ? perRequest(dir === 'down' ? base.bytesDown : base.bytesUp, base.requestsPerWindow)
        : perRequest(dir === 'down' ? ctx.state.bytesDown : ctx.state.bytesUp, ctx.state.requests);
      const ratio = flow / Math.max(usual, 1024);
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
          usual_bytes_per_request: Math.round(usual),
          largest_past_window_bytes: Math.round(peak),
          ratio: Math.round(ratio),
          baseline_of: own ? 'edge' : 'source (new destination)',
          note: 'one request or connection',
        },
      };
    }
  }
  return best;
}
