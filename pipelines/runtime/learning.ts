/**
 * Learning: what each closed window teaches the baselines (the source's own, per edge and per external
 * host), the population baselines shared by all sources (peers), and since when each identity is known
 * as a destination.
 */
import type { MeshEvent } from '../core/event.js';
import type { EntityState } from '../features/entity-state.js';
import { EwStat } from '../features/stats.js';
import { DestinationFlowBaselines } from '../features/destination-flows.js';
import type { ClosedWindow, SourceWindow } from '../features/window.js';
import type { PeerBaselines, WindowContext } from '../detect/detector.js';

/** Decay of the recent-denials and recent-404s counters per window: a trickle adds up over about a minute. */
const RECENT_DECAY = 0.7;
/** Weight of one window in the peer ratios: the population moves slowly (~100 windows of memory). */
const PEER_ALPHA = 0.01;
/** Bound on the identities remembered as destinations. */
const MAX_KNOWN_IDENTITIES = 200_000;
/** Requests to an external host within this of each other are one contact (a burst), not a period. */
const CONTACT_GAP_MS = 1000;
/**
 * Per-window decay of an edge's largest window: a half-life of about 10,000 windows (a day of 10 s
 * windows), so yesterday's batch job is still remembered today.
 */
const PEAK_DECAY = 0.99993;
/**
 * A window this many times the edge's usual volume (and at least the exfiltration `min_bytes`) is held
 * out of the baseline until the next window confirms it: if it is the start of a dump, learning it
 * would hide the rest.
 */
const HEAVY_WINDOW_FACTOR = 10;
/**
 * After its learning period a baseline's volume means (log-scaled) rise by at most this per window
 * (about 0.5 %, doubling in ~140 windows, over 20 minutes of 10 s windows): diurnal traffic moves far
 * slower, and a transfer that grows a little every window cannot teach its own baseline. Largest past
 * windows rise at the same bounded rate.
 */
export const MAX_BASELINE_RISE = 0.005;

export class BaselineLearning {
  /** How all sources behave: the baseline of sources that have none of their own yet. */
  readonly peers: PeerBaselines = {
    deniedRatio: new EwStat(PEER_ALPHA),
    notFoundRatio: new EwStat(PEER_ALPHA),
    destinationMtls: new Map(),
    meshMtls: { mtls: 0, plaintext: 0 },
    destinationFlows: new DestinationFlowBaselines(),
  };
  /** Identity → event time it was first seen as a destination. */
  private readonly knownSince = new Map<string, number>();
  /** Identities first seen since takeNewlyKnown(), when replicas share them (see trackNewlyKnown). */
  private newlyKnown: string[] | undefined;

  /** @param heavyWindowBytes the exfiltration detector's `min_bytes`: smaller windows are never held out. */
  constructor(private readonly heavyWindowBytes: number) {}

  /**
   * A workload that only ever served traffic has a baseline too ("calls nothing"): remember since when
   * each identity is known, so its first outgoing calls are judged, not learned.
   */
  noteDestination(ev: MeshEvent): void {
    if (
      ev.dstPrincipal !== '' &&
      !this.knownSince.has(ev.dstPrincipal) &&
      this.knownSince.size < MAX_KNOWN_IDENTITIES
    ) {
      this.knownSince.set(ev.dstPrincipal, ev.timeMs);
      this.newlyKnown?.push(ev.dstPrincipal);
    }
  }

  /**
   * Replicas: each sees an identity as a destination only in its own entities' records, and a restarted
   * one has seen nothing; sharing since when each is known (through the state store) keeps a workload
   * that only ever served traffic from looking new to the replica that scores its first calls.
   */
  trackNewlyKnown(): void {
    this.newlyKnown ??= [];
  }

  takeNewlyKnown(): Array<[identity: string, sinceMs: number]> {
    if (!this.newlyKnown?.length) return [];
    const out = this.newlyKnown.map((id) => [id, this.knownSince.get(id)!] as [string, number]);
    this.newlyKnown = [];
    return out;
  }

  /** Since when another replica (or this one before a restart) knew `identity`; the earlier time wins. */
  rememberKnown(identity: string, sinceMs: number): void {
    const known = this.knownSince.get(identity);
    if (known === undefined ? this.knownSince.size < MAX_KNOWN_IDENTITIES : sinceMs < known)
      this.knownSince.set(identity, sinceMs);
  }

  /** When a source first seen calling in `sw` was first seen at all (as a destination, maybe earlier). */
  firstSeenMs(sw: SourceWindow): number {
    return Math.min(sw.firstMs, this.knownSince.get(sw.src) ?? Infinity);
  }

  /**
   * Fold a closed window into the baselines. Windows that raised a finding do not move the volume and
   * ratio baselines (an attack must not teach meshguard that attacks are normal), but what was seen is
   * remembered.
   */
  learn(state: EntityState, cw: ClosedWindow, ctx: WindowContext, flagged: boolean): void {
    const sw = ctx.window;
    // A source first seen after warm-up learns its own baseline too, but the external hosts it
    // contacts are not vouched for: a workload that only ever served traffic and now uploads is news.
    const learning = ctx.learning || ctx.newEntity;
    const newRoutes = ctx.newRoutes;
    state.recordWindow(cw.endMs, sw.denied, sw.notFound, RECENT_DECAY);
    // Every destination called is remembered with the edge's last window, even in flagged windows
    // (edge_volume asks for two heavy windows in a row).
    for (const [dst, e] of sw.edges) {
      const base = state.edge(dst, learning ? 0 : e.firstMs);
      base.rememberWindow(e.bytesDown, e.bytesUp, cw.endMs);
      if (e.outage) base.outageEndMs = cw.endMs;
    }
    for (const r of newRoutes) state.rememberTemplate(r.template);
    this.learnExternalHosts(state, sw, ctx.learning, cw.endMs, flagged);
    this.learnInboundMtls(sw, !flagged || learning);

    if (flagged && !learning) {
      // What the incident was about is remembered as a peak (it decays over a day), so the same job
      // repeated tomorrow is not news; the means stay untouched.
      for (const [dst, e] of sw.edges) {
        const base = state.edge(dst, learning ? 0 : e.firstMs);
        base.peakDown = Math.max(base.peakDown, e.bytesDown);
        base.peakUp = Math.max(base.peakUp, e.bytesUp);
      }
      return;
    }
    const deniedRatio = sw.denied / sw.requests;
    const notFoundRatio = sw.notFound / sw.requests;
    const maxRise = learning ? Infinity : MAX_BASELINE_RISE;
    state.learn(
      {
        requests: Math.log1p(sw.requests),
        deniedRatio,
        notFoundRatio,
        newTemplates: newRoutes.length,
        bytesUp: Math.log1p(sw.bytesUp),
        bytesDown: Math.log1p(sw.bytesDown),
      },
      maxRise,
    );
    this.peers.deniedRatio.update(deniedRatio);
    this.peers.notFoundRatio.update(notFoundRatio);
    for (const [dst, e] of sw.edges) {
      // Attempts on a destination that was down say nothing of what the edge carries when it works:
      // folded in, three minutes of outage would teach that it carries nothing.
      if (e.outage) continue;
      const base = state.edge(dst, learning ? 0 : e.firstMs);
      const heavy = Math.max(e.bytesDown, e.bytesUp);
      if (
        !learning &&
        heavy >= this.heavyWindowBytes &&
        heavy >= HEAVY_WINDOW_FACTOR * Math.expm1(Math.max(base.bytesDown.mean, base.bytesUp.mean))
      )
        continue;
      if (!flagged) this.peers.destinationFlows.learn(dst, e, cw.endMs);
      // Bounded like the means: how far each peak may rise now, from where it or the mean stands.
      const bounded = !learning && base.bytesDown.count > 0;
      const peakCapDown = Math.max(base.peakDown, Math.expm1(base.bytesDown.mean)) * Math.exp(maxRise);
      const peakCapUp = Math.max(base.peakUp, Math.expm1(base.bytesUp.mean)) * Math.exp(maxRise);
      base.learn(
        {
          bytesDown: Math.log1p(e.bytesDown),
          bytesUp: Math.log1p(e.bytesUp),
          requests: Math.log1p(e.requests),
          deniedRatio: e.denied / e.requests,
        },
        maxRise,
      );
      base.peakDown = Math.max(
        base.peakDown * PEAK_DECAY,
        bounded ? Math.min(e.bytesDown, peakCapDown) : e.bytesDown,
      );
      base.peakUp = Math.max(base.peakUp * PEAK_DECAY, bounded ? Math.min(e.bytesUp, peakCapUp) : e.bytesUp);
    }
  }

  /**
   * Volumes and contact rhythm per external host. Hosts first contacted while learning are only
   * provisionally known: what the source uploads there while learning sets an allowance (how big its
   * upload windows are, how many bytes a second), and after learning what a window uploads past the
   * allowance adds up as excess (new_external_upload judges it); the usual upload size rises at a
   * bounded rate.
   */
  private learnExternalHosts(
    state: EntityState,
    sw: SourceWindow,
    learning: boolean,
    endMs: number,
    flagged: boolean,
  ): void {
    for (const [host, x] of sw.external) {
      const ext = state.rememberExternalHost(host, x.firstMs, learning);
      if (ext.known && !learning) {
        const judged = ext.judgeUpload(x.bytesUp, endMs, state.firstSeenMs);
        ext.excessUp = judged.excess;
        ext.credit = judged.credit;
        ext.creditAtMs = endMs;
      }
      if (learning) ext.learnedUp += x.bytesUp;
      if (x.bytesUp > 0) {
        if (learning) ext.upPerWindow.update(Math.log1p(x.bytesUp));
        else if (!flagged) ext.upPerWindow.updateBounded(Math.log1p(x.bytesUp), MAX_BASELINE_RISE);
      }
      ext.cumulativeUp += x.bytesUp;
      ext.cumulativeDown += x.bytesDown;
      ext.passthrough ||= x.passthrough;
      for (const t of x.times) {
        if (ext.lastContactMs !== 0 && t - ext.lastContactMs > CONTACT_GAP_MS)
          ext.intervals.update(t - ext.lastContactMs);
        if (ext.lastContactMs === 0 || t - ext.lastContactMs > CONTACT_GAP_MS) ext.contacts++;
        if (t > ext.lastContactMs) ext.lastContactMs = t;
      }
    }
    // The learned upload rates are per second of learning, including the windows without uploads.
    if (learning) state.forEachExternalHost((ext) => (ext.learnedUntilMs = endMs));
  }

  /** Inbound mTLS accounting per destination and mesh-wide, for plaintext_in_mtls. */
  private learnInboundMtls(sw: SourceWindow, count: boolean): void {
    for (const [dst, e] of sw.edges) {
      if (e.inbound === 0) continue;
      let m = this.peers.destinationMtls.get(dst);
      if (m === undefined) {
        m = { mtls: 0, plaintext: 0 };
        this.peers.destinationMtls.set(dst, m);
      }
      if (count) {
        m.mtls += e.inbound - e.plaintext;
        m.plaintext += e.plaintext;
        this.peers.meshMtls.mtls += e.inbound - e.plaintext;
        this.peers.meshMtls.plaintext += e.plaintext;
      }
    }
  }
}
