/**
 * What meshguard remembers about one source workload between windows: its baselines. Small, plain and
 * serializable, so it can be snapshotted to Redis and move with its Kafka partition.
 */
import { EwStat } from './stats.js';

/** Caps keep memory per entity bounded whatever the traffic. */
export const MAX_KNOWN_DESTINATIONS = 64;
export const MAX_KNOWN_TEMPLATES = 256;
export const MAX_KNOWN_EXTERNAL = 32;
export const MAX_EDGE_BASELINES = 32;

export class EdgeBaseline {
  constructor(
    public bytesDown = new EwStat(0.05),
    public bytesUp = new EwStat(0.05),
    /** Largest window volume seen, decaying slowly: scheduled jobs repeat what they did before. */
    public peakDown = 0,
    public peakUp = 0,
    public requestsPerWindow = new EwStat(0.05),
    /** Bytes of the edge's previous window and when it ended: bulk transfers are sustained. */
    public lastDown = 0,
    public lastUp = 0,
    public lastEndMs = 0,
    /** Share of this edge's requests refused (401/403/RBAC): some callers always see a few. */
    public deniedRatio = new EwStat(0.05),
  ) {}
}

export class ExternalHostState {
  constructor(
    public firstSeenMs: number,
    /** True when the host was contacted during the source's learning period (a known dependency). */
    public known: boolean,
    public cumulativeUp = 0,
    public cumulativeDown = 0,
    public contacts = 0,
    public lastContactMs = 0,
    public intervals = new EwStat(0.2),
    public passthrough = false,
  ) {}
}

export class EntityState {
  firstSeenMs: number;
  lastSeenMs: number;
  windows = 0;
  readonly requests = new EwStat(0.05);
  readonly deniedRatio = new EwStat(0.05);
  readonly notFoundRatio = new EwStat(0.05);
  readonly newTemplates = new EwStat(0.05);
  readonly bytesUp = new EwStat(0.05);
  readonly bytesDown = new EwStat(0.05);
  /** Destination → when it was first called after the learning period (0 = part of the baseline). */
  readonly knownDestinations = new Map<string, number>();
  readonly knownTemplates = new Set<string>();
  readonly edges = new Map<string, EdgeBaseline>();
  readonly external = new Map<string, ExternalHostState>();
  /** Recent denials, decaying, so a slow trickle of probes adds up across windows. */
  deniedRecent = 0;
  notFoundRecent = 0;
  /** Inbound requests by mTLS vs plaintext, when this entity is a destination. */
  inboundMtls = 0;
  inboundPlaintext = 0;

  constructor(nowMs: number) {
    this.firstSeenMs = nowMs;
    this.lastSeenMs = nowMs;
  }

  isLearning(nowMs: number, learningMs: number): boolean {
    return nowMs - this.firstSeenMs < learningMs;
  }

  rememberDestination(dst: string, firstSeenMs: number): void {
    if (this.knownDestinations.has(dst)) return;
    if (this.knownDestinations.size >= MAX_KNOWN_DESTINATIONS) {
      // Forget the newest-learned first: the baseline's own destinations matter most.
      let victim: string | undefined;
      let newest = -1;
      for (const [k, v] of this.knownDestinations) if (v > newest) [victim, newest] = [k, v];
      if (victim !== undefined) this.knownDestinations.delete(victim);
    }
    this.knownDestinations.set(dst, firstSeenMs);
  }

  /** Destinations first called after the learning period, within the last `horizonMs`. */
  recentNewDestinations(nowMs: number, horizonMs: number): string[] {
    const out: string[] = [];
    for (const [k, v] of this.knownDestinations) if (v !== 0 && nowMs - v <= horizonMs) out.push(k);
    return out;
  }

  rememberTemplate(template: string): void {
    if (this.knownTemplates.has(template)) return;
    if (this.knownTemplates.size >= MAX_KNOWN_TEMPLATES) {
      const first = this.knownTemplates.values().next().value;
      if (first !== undefined) this.knownTemplates.delete(first);
    }
    this.knownTemplates.add(template);
  }

  edge(dst: string): EdgeBaseline {
    let e = this.edges.get(dst);
    if (e === undefined) {
      if (this.edges.size >= MAX_EDGE_BASELINES) {
        const first = this.edges.keys().next().value;
        if (first !== undefined) this.edges.delete(first);
      }
      e = new EdgeBaseline();
      this.edges.set(dst, e);
    }
    return e;
  }

  toJSON(): unknown {
    return {
      v: 1,
      f: this.firstSeenMs,
      l: this.lastSeenMs,
      w: this.windows,
      r: this.requests,
      dr: this.deniedRatio,
      nr: this.notFoundRatio,
      nt: this.newTemplates,
      bu: this.bytesUp,
      bd: this.bytesDown,
      kd: [...this.knownDestinations],
      kt: [...this.knownTemplates],
      e: [...this.edges].map(([k, e]) => [
        k,
        e.bytesDown,
        e.bytesUp,
        e.peakDown,
        e.peakUp,
        e.requestsPerWindow,
        e.lastDown,
        e.lastUp,
        e.lastEndMs,
        e.deniedRatio,
      ]),
      x: [...this.external].map(([k, x]) => [
        k,
        x.firstSeenMs,
        x.known,
        x.cumulativeUp,
        x.cumulativeDown,
        x.contacts,
        x.lastContactMs,
        x.intervals,
        x.passthrough,
      ]),
      d: [this.deniedRecent, this.notFoundRecent, this.inboundMtls, this.inboundPlaintext],
    };
  }

  static fromJSON(json: string): EntityState {
    type S = [number, number, number];
    const o = JSON.parse(json) as Record<string, unknown>;
    const s = new EntityState(o.f as number);
    s.lastSeenMs = o.l as number;
    s.windows = o.w as number;
    const load = (target: EwStat, a: unknown) => {
      const [m, v, c] = a as S;
      target.mean = m;
      target.variance = v;
      target.count = c;
    };
    load(s.requests, o.r);
    load(s.deniedRatio, o.dr);
    load(s.notFoundRatio, o.nr);
    load(s.newTemplates, o.nt);
    load(s.bytesUp, o.bu);
    load(s.bytesDown, o.bd);
    for (const [k, v] of o.kd as Array<[string, number]>) s.knownDestinations.set(k, v);
    for (const t of o.kt as string[]) s.knownTemplates.add(t);
    for (const [k, bd, bu, pd, pu, rq, ld, lu, le, dr] of o.e as Array<
      [string, S, S, number, number, S, number, number, number, S]
    >)
      s.edges.set(
        k,
        new EdgeBaseline(
          EwStat.from(bd),
          EwStat.from(bu),
          pd,
          pu,
          EwStat.from(rq),
          ld,
          lu,
          le,
          EwStat.from(dr),
        ),
      );
    for (const [k, f, known, cu, cd, n, last, iv, pt] of o.x as Array<
      [string, number, boolean, number, number, number, number, S, boolean]
    >)
      s.external.set(k, new ExternalHostState(f, known, cu, cd, n, last, EwStat.from(iv, 0.2), pt));
    const [dr, nf, im, ip] = o.d as number[];
    s.deniedRecent = dr ?? 0;
    s.notFoundRecent = nf ?? 0;
    s.inboundMtls = im ?? 0;
    s.inboundPlaintext = ip ?? 0;
    return s;
  }
}
