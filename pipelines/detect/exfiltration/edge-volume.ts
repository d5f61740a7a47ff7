/**
 * edge_volume_down / edge_volume_up: data volume on an in-mesh edge far above that edge's baseline and
 * its largest past window (bulk reads from a data service, bulk uploads), sustained over two windows.
 * `down` is read from the destination, `up` sent to it. Not judged in the minute after the destination
 * was down for the caller (the pools' catch-up).
 */
import type { Finding } from '../../core/finding.js';
import type { WindowContext } from '../detector.js';
import type { ExfiltrationConfig } from './config.js';

export const EDGE_VOLUME_DOWN = 'edge_volume_down';
export const EDGE_VOLUME_UP = 'edge_volume_up';
/** How long after an outage of the destination its callers' catch-up volume is expected. */
const RECOVERY_MS = 60_000;

/** This window's bytes on each edge against the edge's own baseline and its largest past window. */
export function edgeVolume(ctx: WindowContext, cfg: ExfiltrationConfig): Finding | undefined {
  const w = ctx.window;
  let best: Finding | undefined;
  for (const [dst, e] of w.edges) {
    const edgeBase = ctx.state.findEdge(dst);
    // A new edge has no baseline of its own: judge it against everything the source usually moves.
    const own = edgeBase !== undefined && edgeBase.bytesDown.count >= 5;
    // Pools re-opened after the destination was down carry the work that waited: catch-up, not a dump.
    // Only the destination's own failures (UF, UH) open this, and single_flow_volume still judges
    // every flow of it.
    if (
      edgeBase !== undefined &&
      edgeBase.outageEndMs > 0 &&
      ctx.startMs - edgeBase.outageEndMs < RECOVERY_MS
    )
      continue;
    for (const dir of ['down', 'up'] as const) {
      const observed = dir === 'down' ? e.bytesDown : e.bytesUp;
      if (observed < cfg.min_bytes) continue;
      // One large transfer is not a dump (a daily export, a cache warm-up): ask for a second heavy
      // window in a row.
      const previous =
        edgeBase !== undefined && edgeBase.lastEndMs === ctx.startMs
          ? dir === 'down'
            ? edgeBase.lastDown
            : edgeBase.lastUp
          : 0;
      if (previous < cfg.min_bytes / 2) continue;
      const stat = own
        ? dir === 'down'
          ? edgeBase.bytesDown
          : edgeBase.bytesUp
        : dir === 'down'
          ? ctx.state.bytesDown
          : ctx.state.bytesUp;
      if (stat.count < 5) continue;
      const peak = own ? (dir === 'down' ? edgeBase.peakDown : edgeBase.peakUp) : 0;
      const mean = Math.expm1(stat.mean);
      // Per-request size unchanged means more of the same traffic (a surge), not a dump: ask for more.
      const perRequest = observed / e.requests;
      const baseRequests = own ? edgeBase.requestsPerWindow.mean : ctx.state.requests.mean;
      const basePerRequest = mean / Math.max(1, Math.expm1(baseRequests));
      // A never-called destination suddenly carrying sustained bulk is news even for a source that
      // moves a lot elsewhere: compare with a smaller multiple of the source's volume.
      const factor = !own ? 3 : perRequest <= 2 * basePerRequest ? 30 : 10;
      if (observed < factor * Math.max(mean, 1) || observed < 3 * peak) continue;
      const score = own
        ? stat.tailProbability(Math.log1p(observed), 0.5)
        : Math.max(0.995, stat.tailProbability(Math.log1p(observed), 0.5));
      if (score < cfg.threshold || (best && best.score >= score)) continue;
      best = {
        detector: dir === 'down' ? EDGE_VOLUME_DOWN : EDGE_VOLUME_UP,
        kind: 'exfiltration',
        entity: w.src,
        score,
        timeMs: ctx.endMs,
        firstEventMs: e.firstMs,
        evidence: {
          destination: dst,
          baseline_of: own ? 'edge' : 'source (new destination)',
          direction: dir === 'down' ? 'read from destination' : 'sent to destination',
          bytes: observed,
          baseline_bytes_per_window: Math.round(mean),
          largest_past_window_bytes: Math.round(peak),
          ratio: Math.round((observed / Math.max(mean, 1)) * 10) / 10,
          requests: e.requests,
        },
      };
    }
  }
  return best;
}
