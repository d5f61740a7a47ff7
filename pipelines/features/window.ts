/**
 * Per-entity aggregates over tumbling event-time windows, with a watermark that tolerates records
 * arriving a few seconds out of order. One SourceWindow per source workload per window; it holds the
 * source→destination edges, the external hosts and the distinct paths of that window.
 */
import type { MeshEvent } from '../core/event.js';

export const MAX_PATHS_PER_WINDOW = 256;
export const MAX_EDGES_PER_WINDOW = 256;
export const MAX_CONTACT_TIMES = 64;
/** DNS names kept per source and window (a tunnel shows well within this many). */
export const MAX_DNS_QUERIES_PER_WINDOW = 512;
/** Distinct destination host:port pairs kept per window (a sweep's thousand ports need not all be kept). */
export const MAX_TARGETS_PER_WINDOW = 512;
/** A TCP session this short and this small carries no work: a login attempt, a probe, a refused connect. */
export const SHORT_SESSION_MS = 5000;
export const SMALL_SESSION_BYTES = 16_384;

/** Width of a session-size bin, in natural log: sizes within 10 % share one. */
const SIZE_BIN_WIDTH = Math.log(1.1);

/** Envoy response flags of a connection that never reached a working upstream. */
const CONNECTION_FAILURE = /(?:^|,)(?:UF|UH|NR|URX|NC)(?:,|$)/;

/** Envoy response flags of a destination that was down (refused, no healthy host): not a caller's doing. */
const UPSTREAM_DOWN = /(?:^|,)(?:UF|UH)(?:,|$)/;

/** Fewer failed attempts than this in a window are a blip, not an outage. */
const MIN_OUTAGE_ATTEMPTS = 3;

/** A plain TCP session record: no HTTP status and no method. */
export function isTcpSession(ev: MeshEvent): boolean {
  return ev.status === 0 && ev.method === '';
}

/** Connection outcome: refused, unroutable or without a healthy upstream, or a TCP session that moved nothing. */
export function isFailedConnection(ev: MeshEvent): boolean {
  const flags = ev.responseFlags;
  if (flags.length > 1 && CONNECTION_FAILURE.test(flags)) return true;
  // A session that lasted and moved nothing; a record without duration or bytes (Hubble flows carry
  // neither) says nothing about the outcome.
  return isTcpSession(ev) && ev.bytesUp === 0 && ev.bytesDown === 0 && ev.durationMs > 0;
}

export class EdgeWindow {
  requests = 0;
  bytesUp = 0;
  bytesDown = 0;
  denied = 0;
  notFound = 0;
  plaintext = 0;
  /** Requests logged by the destination's sidecar (the ones whose mTLS status is known). */
  inbound = 0;
  firstMs = Number.MAX_SAFE_INTEGER;
  /** Plain TCP sessions, those that talked but short and small (no work done), and failed connections. */
  tcpSessions = 0;
  shortSessions = 0;
  failed = 0;
  /** Attempts that found the destination down (UF, UH). */
  upstreamDown = 0;
  /** Largest single request or connection, each way: one flow can be a dump on its own. */
  maxFlowDown = 0;
  maxFlowUp = 0;
  /** Distinct sizes of the short sessions (a password guesser repeats one exchange). */
  readonly shortSizes = new Set<number>();
  /** Short sessions per size bin (bins 10 % wide, at most 64 kept): how many repeat one exchange. */
  readonly shortSizeBins = new Map<number, number>();

  /**
   * Most attempts in this window found the destination down: an outage as this caller saw it (the
   * requests that still got through are the pods left, or retries that landed).
   */
  get outage(): boolean {
    return this.upstreamDown >= MIN_OUTAGE_ATTEMPTS && this.upstreamDown * 2 >= this.requests;
  }

  /**
   * Short sessions of the most repeated exchange: the most sessions whose sizes fall within about
   * ±15 % of one another (three neighbouring bins). A guesser repeats one login exchange, differing by
   * a few bytes of user name and password; users ask different things and get different answers.
   */
  repeatedExchangeSessions(): number {
    let best = 0;
    for (const [bin, n] of this.shortSizeBins) {
      const around = n + (this.shortSizeBins.get(bin - 1) ?? 0) + (this.shortSizeBins.get(bin + 1) ?? 0);
      if (around > best) best = around;
    }
    return best;
  }
}

export class ExternalWindow {
  requests = 0;
  bytesUp = 0;
  bytesDown = 0;
  passthrough = false;
  firstMs = Number.MAX_SAFE_INTEGER;
  /** Contact times, for periodicity (beaconing). */
  readonly times: number[] = [];
}

export class SourceWindow {
  requests = 0;
  denied = 0;
  rbacDenied = 0;
  notFound = 0;
  err4xx = 0;
  err5xx = 0;
  bytesUp = 0;
  bytesDown = 0;
  durationSum = 0;
  plaintextInbound = 0;
  firstMs = Number.MAX_SAFE_INTEGER;
  firstDeniedMs = Number.MAX_SAFE_INTEGER;
  firstNotFoundMs = Number.MAX_SAFE_INTEGER;
  principal = '';
  namespace = '';
  serviceAccount = '';
  workload = '';
  address = '';
  /** Events whose caller address a client could have chosen (X-Forwarded-For): it may not name an offender. */
  indirectAddresses = 0;
  readonly edges = new Map<string, EdgeWindow>();
  readonly external = new Map<string, ExternalWindow>();
  /** Distinct paths with their error counts (capped: a scanner's thousand paths need not all be kept). */
  readonly paths = new Map<string, number>();
  readonly pathErrors = new Map<string, number>();
  pathsOverflow = 0;
  readonly deniedExamples: string[] = [];
  /** Names queried, for formats that see DNS (Hubble): the DNS-tunnel check reads them. */
  readonly dnsQueries: string[] = [];
  /** Connections that failed (flags UF/UH/NR/URX/NC, or TCP sessions that moved nothing). */
  failedConnections = 0;
  firstFailedMs = Number.MAX_SAFE_INTEGER;
  /** Distinct destination `host:port` pairs of TCP sessions and failed connections, and the failed ones (capped). */
  readonly targets = new Set<string>();
  readonly failedTargets = new Set<string>();
  targetsOverflow = 0;

  constructor(readonly src: string) {}

  add(ev: MeshEvent): void {
    this.requests++;
    const t = ev.timeMs;
    if (t < this.firstMs) this.firstMs = t;
    if (this.principal === '' && ev.srcPrincipal !== '') this.principal = ev.srcPrincipal;
    if (this.namespace === '' && ev.srcNamespace !== '') this.namespace = ev.srcNamespace;
    if (this.serviceAccount === '' && ev.srcServiceAccount !== '') this.serviceAccount = ev.srcServiceAccount;
    if (this.workload === '' && ev.srcWorkload !== '') this.workload = ev.srcWorkload;
    if (this.address === '' && ev.srcAddress !== '') this.address = ev.srcAddress;
    if (ev.srcAddressDirect === false && ev.srcAddress !== '') this.indirectAddresses++;

    const status = ev.status;
    const details = ev.responseCodeDetails;
    const rbac = details.length > 0 && details.startsWith('rbac_access_denied');
    const denied = status === 401 || status === 403 || rbac;
    const notFound = status === 404;
    if (denied) {
      this.denied++;
      if (rbac) this.rbacDenied++;
      if (t < this.firstDeniedMs) this.firstDeniedMs = t;
      if (this.deniedExamples.length < 5)
        this.deniedExamples.push(`${status} ${ev.method} ${ev.dst}${ev.path} ${details}`.trim());
    }
    if (notFound) {
      this.notFound++;
      if (t < this.firstNotFoundMs) this.firstNotFoundMs = t;
    }
    if (status >= 400 && status < 500) this.err4xx++;
    else if (status >= 500) this.err5xx++;
    this.bytesUp += ev.bytesUp;
    this.bytesDown += ev.bytesDown;
    this.durationSum += ev.durationMs;
    const plaintext = ev.direction === 'inbound' && !ev.mtls;
    if (plaintext) this.plaintextInbound++;
    const failed = isFailedConnection(ev);
    this.noteTarget(ev, failed);

    const dns = ev.dnsQuery;
    if (dns !== undefined && dns !== '' && this.dnsQueries.length < MAX_DNS_QUERIES_PER_WINDOW)
      this.dnsQueries.push(dns);

    if (ev.egress) {
      const host = ev.externalHost || ev.dst;
      let ext = this.external.get(host);
      if (ext === undefined) {
        if (this.external.size >= MAX_EDGES_PER_WINDOW) return;
        ext = new ExternalWindow();
        this.external.set(host, ext);
      }
      ext.requests++;
      ext.bytesUp += ev.bytesUp;
      ext.bytesDown += ev.bytesDown;
      if (ev.upstreamCluster === 'PassthroughCluster') ext.passthrough = true;
      if (t < ext.firstMs) ext.firstMs = t;
      if (ext.times.length < MAX_CONTACT_TIMES) ext.times.push(t);
      return;
    }

    let edge = this.edges.get(ev.dst);
    if (edge === undefined) {
      if (this.edges.size >= MAX_EDGES_PER_WINDOW) return;
      edge = new EdgeWindow();
      this.edges.set(ev.dst, edge);
    }
    edge.requests++;
    edge.bytesUp += ev.bytesUp;
    edge.bytesDown += ev.bytesDown;
    if (denied) edge.denied++;
    if (notFound) edge.notFound++;
    if (plaintext) edge.plaintext++;
    if (ev.direction === 'inbound') edge.inbound++;
    if (t < edge.firstMs) edge.firstMs = t;
    if (ev.bytesDown > edge.maxFlowDown) edge.maxFlowDown = ev.bytesDown;
    if (ev.bytesUp > edge.maxFlowUp) edge.maxFlowUp = ev.bytesUp;
    if (failed) edge.failed++;
    if (failed && UPSTREAM_DOWN.test(ev.responseFlags)) edge.upstreamDown++;
    if (isTcpSession(ev)) {
      edge.tcpSessions++;
      const size = ev.bytesUp + ev.bytesDown;
      // Refused connections are an outage or a probe, not a login attempt: only sessions that talked
      // (a record without duration or bytes, as Hubble's flows, shows neither).
      if (
        !failed &&
        size > 0 &&
        ev.durationMs > 0 &&
        ev.durationMs < SHORT_SESSION_MS &&
        size < SMALL_SESSION_BYTES
      ) {
        edge.shortSessions++;
        const bin = Math.round(Math.log(size) / SIZE_BIN_WIDTH);
        const inBin = edge.shortSizeBins.get(bin);
        if (inBin !== undefined) edge.shortSizeBins.set(bin, inBin + 1);
        else if (edge.shortSizeBins.size < 64) edge.shortSizeBins.set(bin, 1);
        if (edge.shortSizes.size < 64) edge.shortSizes.add(size);
      }
    }

    const path = ev.path;
    if (path !== '') {
      const seen = this.paths.get(path);
      if (seen !== undefined) this.paths.set(path, seen + 1);
      else if (this.paths.size < MAX_PATHS_PER_WINDOW) this.paths.set(path, 1);
      else this.pathsOverflow++;
      if ((denied || notFound) && (seen !== undefined || this.paths.size < MAX_PATHS_PER_WINDOW))
        this.pathErrors.set(path, (this.pathErrors.get(path) ?? 0) + 1);
    }
  }

  /**
   * Distinct destinations and ports of connection-level traffic (TCP sessions and failed connections),
   * and the failed ones: what a sweep leaves behind. Ordinary HTTP requests are skipped (the hot path).
   */
  private noteTarget(ev: MeshEvent, failed: boolean): void {
    if (failed) {
      this.failedConnections++;
      if (ev.timeMs < this.firstFailedMs) this.firstFailedMs = ev.timeMs;
    } else if (!isTcpSession(ev)) return;
    const target = `${ev.egress ? ev.externalHost || ev.dst : ev.dst}:${ev.dstPort ?? 0}`;
    if (this.targets.has(target)) {
      if (failed && this.failedTargets.size < MAX_TARGETS_PER_WINDOW) this.failedTargets.add(target);
      return;
    }
    if (this.targets.size >= MAX_TARGETS_PER_WINDOW) {
      this.targetsOverflow++;
      return;
    }
    this.targets.add(target);
    if (failed) this.failedTargets.add(target);
  }

  /** Earliest suspicious event: the first denial or 404 when there were any, else the first event. */
  firstSuspiciousMs(): number {
    const s = Math.min(this.firstDeniedMs, this.firstNotFoundMs);
    return s === Number.MAX_SAFE_INTEGER ? this.firstMs : s;
  }
}

export interface ClosedWindow {
  startMs: number;
  endMs: number;
  sources: Map<string, SourceWindow>;
}

/**
 * Tumbling windows keyed by index (floor(time / size)). A window closes once the watermark
 * (newest event time minus the allowed lateness) passes its end. Records later than that go into the
 * oldest open window instead of being dropped, and are counted.
 *
 * With `onEnd`, a window is also handed over (still open) as soon as the newest event time passes its
 * end: what it holds then is nearly all it will hold, and waiting out the lateness would delay every
 * detection by that much.
 */
export class WindowAggregator {
  private readonly open = new Map<number, Map<string, SourceWindow>>();
  private maxEventMs = 0;
  private closedThrough = -Infinity; // every window with index < this is closed
  private endedThrough = -Infinity; // every window with index < this has been handed to onEnd
  private cachedIndex = NaN;
  private cachedSources: Map<string, SourceWindow> | undefined;
  lateEvents = 0;

  constructor(
    readonly windowMs: number,
    readonly latenessMs: number,
    private readonly onClose: (w: ClosedWindow) => void,
    private readonly onEnd?: (w: ClosedWindow) => void,
    /** False when event time is driven from outside (advanceTo), e.g. by per-partition watermarks. */
    private readonly selfClocked = true,
    /**
     * Sources one open window holds at most (`windowing.max_window_sources`): the entity cap bounds baselines,
     * this bounds what a flood fills the open windows with before they close. Sources already in the
     * window keep counting; an event of a new one past it is dropped and reported to `onOverflow`.
     */
    private readonly bound: { maxSources: number; onOverflow: () => void } = {
      maxSources: Infinity,
      onOverflow: () => undefined,
    },
  ) {}

  get watermarkMs(): number {
    return this.maxEventMs - this.latenessMs;
  }

  push(ev: MeshEvent): void {
    let index = Math.floor(ev.timeMs / this.windowMs);
    if (index < this.closedThrough) {
      this.lateEvents++;
      index = this.closedThrough;
    }
    let sources: Map<string, SourceWindow>;
    if (index === this.cachedIndex && this.cachedSources !== undefined) sources = this.cachedSources;
    else {
      let existing = this.open.get(index);
      if (existing === undefined) {
        existing = new Map();
        this.open.set(index, existing);
      }
      sources = existing;
      this.cachedIndex = index;
      this.cachedSources = sources;
    }
    let sw = sources.get(ev.src);
    if (sw === undefined) {
      if (sources.size >= this.bound.maxSources) {
        this.bound.onOverflow();
        return;
      }
      sw = new SourceWindow(ev.src);
      sources.set(ev.src, sw);
    }
    sw.add(ev);
    if (this.selfClocked && ev.timeMs > this.maxEventMs) {
      this.maxEventMs = ev.timeMs;
      this.advanceTo(this.maxEventMs);
    }
  }

  /** Close windows whose end is at or before (timeMs - lateness). */
  advanceTo(timeMs: number): void {
    if (timeMs > this.maxEventMs) this.maxEventMs = timeMs;
    const closeBefore = Math.floor((this.maxEventMs - this.latenessMs) / this.windowMs); // windows < this are complete
    if (closeBefore > this.closedThrough) this.closeThrough(closeBefore);
    if (this.onEnd === undefined) return;
    const endedBefore = Math.floor(this.maxEventMs / this.windowMs); // windows < this have ended
    if (endedBefore <= this.endedThrough) return;
    // Windows that closed meanwhile were handed over whole; the others now, still open.
    const due = [...this.open.keys()]
      .filter((i) => i >= this.endedThrough && i < endedBefore)
      .sort((a, b) => a - b);
    this.endedThrough = endedBefore;
    for (const index of due)
      this.onEnd({
        startMs: index * this.windowMs,
        endMs: (index + 1) * this.windowMs,
        sources: this.open.get(index)!,
      });
  }

  /** Close every open window (end of input). */
  finish(): void {
    const indices = [...this.open.keys()];
    if (indices.length === 0) return;
    this.closeThrough(Math.max(...indices) + 1);
  }

  private closeThrough(closeBefore: number): void {
    const due = [...this.open.keys()].filter((i) => i < closeBefore).sort((a, b) => a - b);
    this.closedThrough = Math.max(this.closedThrough, closeBefore);
    for (const index of due) {
      const sources = this.open.get(index)!;
      this.open.delete(index);
      if (index === this.cachedIndex) {
        this.cachedIndex = NaN;
        this.cachedSources = undefined;
      }
      this.onClose({ startMs: index * this.windowMs, endMs: (index + 1) * this.windowMs, sources });
    }
  }
}
