/**
 * exfiltration: data volume far above an edge's baseline (bulk reads from a data service, bulk uploads),
 * and new external destinations receiving data: uploads summed over time so slow drips that no single
 * window shows still add up, periodic small contacts (beaconing), and unregistered egress
 * (PassthroughCluster) carrying uploads.
 */
import type { Finding } from '../../core/finding.js';
import { zToProbability } from '../../features/stats.js';
import type { WindowContext, WindowDetector } from '../detector.js';

const MIB = 1024 * 1024;

export class ExfiltrationDetector implements WindowDetector {
  readonly name = 'volume';
  readonly kind = 'exfiltration' as const;

  evaluate(ctx: WindowContext): Finding | undefined {
    const cfg = ctx.config.exfiltration;
    if (!cfg.enabled || ctx.warmingUp) return undefined;
    return this.external(ctx) ?? (ctx.learning || ctx.newEntity ? undefined : this.edges(ctx));
  }

  /** In-mesh edges: this window's bytes against the edge's own baseline and its largest past window. */
  private edges(ctx: WindowContext): Finding | undefined {
    const cfg = ctx.config.exfiltration;
    const w = ctx.window;
    let best: Finding | undefined;
    for (const [dst, e] of w.edges) {
      const edgeBase = ctx.state.findEdge(dst);
      // A new edge has no baseline of its own: judge it against everything the source usually moves.
      const own = edgeBase !== undefined && edgeBase.bytesDown.count >= 5;
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
          detector: dir === 'down' ? 'edge_volume_down' : 'edge_volume_up',
          kind: this.kind,
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

  /** External hosts this source did not use during its baseline. */
  private external(ctx: WindowContext): Finding | undefined {
    const cfg = ctx.config.exfiltration;
    const w = ctx.window;
    let best: Finding | undefined;
    for (const [host, x] of w.external) {
      const state = ctx.state.externalHost(host);
      if (state?.known) continue;
      const cumulativeUp = (state?.cumulativeUp ?? 0) + x.bytesUp;
      const cumulativeDown = (state?.cumulativeDown ?? 0) + x.bytesDown;
      const contacts = (state?.contacts ?? 0) + x.requests;
      const passthrough = x.passthrough || (state?.passthrough ?? false);
      let score = 0;
      let detector = '';
      // Summed uploads to a new host: slow drips add up here.
      if (cumulativeUp >= cfg.cumulative_external_bytes) {
        score = zToProbability(3 + cumulativeUp / cfg.cumulative_external_bytes);
        detector = 'new_external_upload';
        if (!passthrough) score = Math.min(score, 0.995); // a host the mesh has a ServiceEntry for
      } else if (contacts >= 5 && cumulativeUp >= MIB && cumulativeUp >= 20 * Math.max(cumulativeDown, 1)) {
        // Repeated uploads that dwarf the replies: data leaving in pieces, not an API being used.
        // Through a registered host (ServiceEntry) it may be a new integration; unregistered, less so.
        score = passthrough ? 0.9995 : 0.995;
        detector = 'new_external_upload';
      } else if (passthrough && cumulativeUp >= 256 * 1024) {
        score = 0.999;
        detector = 'unregistered_egress';
      }
      // Periodic small contacts with little jitter: a beacon.
      const beacon = this.beacon(
        state?.intervals.mean,
        state?.intervals.variance,
        state?.intervals.count,
        contacts,
      );
      if (beacon > score) {
        score = beacon;
        detector = 'beaconing';
      }
      if (score < cfg.threshold || (best && best.score >= score)) continue;
      best = {
        detector,
        kind: this.kind,
        entity: w.src,
        score,
        timeMs: ctx.endMs,
        firstEventMs: state?.firstSeenMs ?? x.firstMs,
        evidence: {
          external_host: host,
          new_host: true,
          unregistered_egress: passthrough,
          bytes_uploaded_total: cumulativeUp,
          bytes_downloaded_total: cumulativeDown,
          bytes_uploaded_this_window: x.bytesUp,
          contacts,
          mean_interval_secs:
            state && state.intervals.count > 0 ? Math.round(state.intervals.mean / 100) / 10 : undefined,
          first_contact: new Date(state?.firstSeenMs ?? x.firstMs).toISOString(),
        },
      };
    }
    return best;
  }

  private beacon(mean = 0, variance = 0, count = 0, contacts: number): number {
    // Six regular intervals: Poisson-like client traffic (coefficient of variation near 1) almost never
    // looks this regular by chance; a beacon on a timer always does.
    if (count < 6 || contacts < 7 || mean < 5000) return 0;
    const cv = Math.sqrt(variance) / mean;
    if (cv > 0.15) return 0;
    return 0.999 + 0.0009 * Math.min(1, (count - 5) / 5) * (1 - cv / 0.15);
  }
}
