/**
 * What meshguard remembers about one source workload between windows: its baselines. Serializable, so
 * it can be snapshotted to Redis and move with its Kafka partition.
 *
 * Memory per tracked workload is what bounds a large mesh, so the numbers live in one plain array of
 * doubles per workload (V8 stores them unboxed): a header block, then one block per destination it
 * calls. `EwStat` and `EdgeBaseline` are views over that array, made when asked for and short-lived.
 */
import { ExternalHostState, type ExternalHostTuple } from './external-host-state.js';
import { EwStat, round } from './stats.js';

export { ExternalHostState };

/** Caps keep memory per entity bounded whatever the traffic. */
export const MAX_KNOWN_DESTINATIONS = 64;
export const MAX_KNOWN_TEMPLATES = 256;
export const MAX_KNOWN_EXTERNAL = 32;

/** Snapshot format version (toJSON / fromJSON). */
const SNAPSHOT_VERSION = 3;
const ALPHA = 0.05;

// The workload's block: scalars, then six statistics (mean, variance) that share one count.
const FIRST_SEEN = 0;
const LAST_SEEN = 1;
const WINDOWS = 2;
const DENIED_RECENT = 3;
const NOT_FOUND_RECENT = 4;
const STAT_COUNT = 5;
const REQUESTS = 6;
const DENIED_RATIO = 8;
const NOT_FOUND_RATIO = 10;
const NEW_TEMPLATES = 12;
const BYTES_UP = 14;
const BYTES_DOWN = 16;
const HEADER_SIZE = 18;

// One destination's block, at an offset after the header: scalars, then four statistics sharing a count.
const E_FIRST_CALLED = 0;
const E_PEAK_DOWN = 1;
const E_PEAK_UP = 2;
const E_LAST_DOWN = 3;
const E_LAST_UP = 4;
const E_LAST_END = 5;
const E_STAT_COUNT = 6;
const E_BYTES_DOWN = 7;
const E_BYTES_UP = 9;
const E_REQUESTS = 11;
const E_DENIED_RATIO = 13;
const E_OUTAGE_END = 15;
const EDGE_SIZE = 16;
/** Version 2 snapshots lack E_OUTAGE_END, the last slot of each destination's block. */
const EDGE_SIZE_V2 = 15;
const blockAt = (destination: number) => HEADER_SIZE + destination * EDGE_SIZE;
/** Templates kept in a plain array up to this many; a Set past it. */
const SMALL_TEMPLATES = 8;

/** One window's observations of a workload, folded into its baseline together. */
export interface WorkloadObservation {
  requests: number;
  deniedRatio: number;
  notFoundRatio: number;
  newTemplates: number;
  bytesUp: number;
  bytesDown: number;
}

/** One window's observations of an edge (log-scaled volumes), folded in together. */
export interface EdgeObservation {
  bytesDown: number;
  bytesUp: number;
  requests: number;
  deniedRatio: number;
}

/**
 * The baseline of one source → destination edge: a view over the owner's array. Use it at once: a
 * destination evicted by a newer one shifts the blocks after it.
 */
export class EdgeBaseline {
  constructor(
    private readonly owner: EntityState,
    private readonly at: number,
  ) {}

  private get v(): number[] {
    return this.owner.values;
  }
  /** When the workload first called it after its learning period (0: part of the baseline). */
  get firstCalledMs(): number {
    return this.v[this.at + E_FIRST_CALLED]!;
  }
  /** Largest window volume seen, decaying slowly: scheduled jobs repeat what they did before. */
  get peakDown(): number {
    return this.v[this.at + E_PEAK_DOWN]!;
  }
  set peakDown(x: number) {
    this.v[this.at + E_PEAK_DOWN] = x;
  }
  get peakUp(): number {
    return this.v[this.at + E_PEAK_UP]!;
  }
  set peakUp(x: number) {
    this.v[this.at + E_PEAK_UP] = x;
  }
  /** Bytes of the edge's previous window and when it ended: bulk transfers are sustained. */
  get lastDown(): number {
    return this.v[this.at + E_LAST_DOWN]!;
  }
  get lastUp(): number {
    return this.v[this.at + E_LAST_UP]!;
  }
  get lastEndMs(): number {
    return this.v[this.at + E_LAST_END]!;
  }
  rememberWindow(bytesDown: number, bytesUp: number, endMs: number): void {
    const v = this.v;
    v[this.at + E_LAST_DOWN] = bytesDown;
    v[this.at + E_LAST_UP] = bytesUp;
    v[this.at + E_LAST_END] = endMs;
  }
  /** End of the last window in which the destination was down for every attempt (0: never seen down). */
  get outageEndMs(): number {
    return this.v[this.at + E_OUTAGE_END]!;
  }
  set outageEndMs(x: number) {
    this.v[this.at + E_OUTAGE_END] = x;
  }
  get bytesDown(): EwStat {
    return this.stat(E_BYTES_DOWN);
  }
  get bytesUp(): EwStat {
    return this.stat(E_BYTES_UP);
  }
  get requestsPerWindow(): EwStat {
    return this.stat(E_REQUESTS);
  }
  /** Share of this edge's requests refused (401/403/RBAC): some callers always see a few. */
  get deniedRatio(): EwStat {
    return this.stat(E_DENIED_RATIO);
  }
  /** `maxRise`: how far the (log-scaled) volume means may rise in this window; the rest is not learned. */
  learn(o: EdgeObservation, maxRise = Infinity): void {
    this.bytesDown.foldBounded(o.bytesDown, maxRise);
    this.bytesUp.foldBounded(o.bytesUp, maxRise);
    this.requestsPerWindow.fold(o.requests);
    this.deniedRatio.fold(o.deniedRatio);
    this.v[this.at + E_STAT_COUNT]!++;
  }
  private stat(offset: number): EwStat {
    return new EwStat(ALPHA, this.v, this.at + offset, this.at + E_STAT_COUNT);
  }
}

export class EntityState {
  /** The header block, then one block per known destination, in the order of `destinations`. */
  values: number[];
  /**
   * Known destinations; the i-th owns the i-th block after the header. A plain array (searched, at
   * most 64 entries) costs a third of a Map's table, and lookups happen per window, not per event.
   */
  private destinations: string[] = [];
  /** Route templates used: a short array while few (as for most), a Set past that; made on first use. */
  private templates: string[] | Set<string> | undefined;
  /** External hosts contacted; made on first use (most workloads call none). */
  private externalHosts: Map<string, ExternalHostState> | undefined;
  /** Slow-and-low accumulators (their detector's layout): made on first evidence, dropped once decayed. */
  accumulators: number[] | undefined;

  constructor(nowMs: number, values?: number[]) {
    // Built from a double literal so the array holds unboxed doubles from the start.
    this.values = values ?? Array.from({ length: HEADER_SIZE }, () => 0.5);
    if (values === undefined) {
      this.values.fill(0);
      this.values[FIRST_SEEN] = nowMs;
      this.values[LAST_SEEN] = nowMs;
    }
  }

  get firstSeenMs(): number {
    return this.values[FIRST_SEEN]!;
  }
  get lastSeenMs(): number {
    return this.values[LAST_SEEN]!;
  }
  /** Windows folded in so far. */
  get windows(): number {
    return this.values[WINDOWS]!;
  }
  /** Recent denials and 404s, decaying, so a slow trickle of probes adds up across windows. */
  get deniedRecent(): number {
    return this.values[DENIED_RECENT]!;
  }
  get notFoundRecent(): number {
    return this.values[NOT_FOUND_RECENT]!;
  }
  get requests(): EwStat {
    return this.stat(REQUESTS);
  }
  get deniedRatio(): EwStat {
    return this.stat(DENIED_RATIO);
  }
  get notFoundRatio(): EwStat {
    return this.stat(NOT_FOUND_RATIO);
  }
  get newTemplates(): EwStat {
    return this.stat(NEW_TEMPLATES);
  }
  get bytesUp(): EwStat {
    return this.stat(BYTES_UP);
  }
  get bytesDown(): EwStat {
    return this.stat(BYTES_DOWN);
  }

  isLearning(nowMs: number, learningMs: number): boolean {
    return nowMs - this.firstSeenMs < learningMs;
  }

  /** A window was seen (flagged or not): its end, and the decaying denial / 404 counts. */
  recordWindow(endMs: number, denied: number, notFound: number, decay: number): void {
    const v = this.values;
    v[WINDOWS]!++;
    v[LAST_SEEN] = endMs;
    v[DENIED_RECENT] = v[DENIED_RECENT]! * decay + denied;
    v[NOT_FOUND_RECENT] = v[NOT_FOUND_RECENT]! * decay + notFound;
  }

  /** Fold a window into the workload's own statistics; `maxRise` bounds the volume means as for edges. */
  learn(o: WorkloadObservation, maxRise = Infinity): void {
    this.requests.fold(o.requests);
    this.deniedRatio.fold(o.deniedRatio);
    this.notFoundRatio.fold(o.notFoundRatio);
    this.newTemplates.fold(o.newTemplates);
    this.bytesUp.foldBounded(o.bytesUp, maxRise);
    this.bytesDown.foldBounded(o.bytesDown, maxRise);
    this.values[STAT_COUNT]!++;
  }

  get destinationCount(): number {
    return this.destinations.length;
  }
  knowsDestination(dst: string): boolean {
    return this.destinations.includes(dst);
  }
  /** Known destinations, in the order they were learned. */
  knownDestinations(): readonly string[] {
    return this.destinations;
  }
  /** The baseline of an edge, if the workload ever called that destination. */
  findEdge(dst: string): EdgeBaseline | undefined {
    const i = this.destinations.indexOf(dst);
    return i < 0 ? undefined : new EdgeBaseline(this, blockAt(i));
  }

  /**
   * The baseline of an edge, learned from now on if new. `firstCalledMs` is when the workload first
   * called it after its learning period (0 while learning: part of the baseline).
   */
  edge(dst: string, firstCalledMs: number): EdgeBaseline {
    const i = this.destinations.indexOf(dst);
    if (i >= 0) return new EdgeBaseline(this, blockAt(i));
    if (this.destinations.length >= MAX_KNOWN_DESTINATIONS) this.forgetNewestDestination();
    const block = Array.from({ length: EDGE_SIZE }, () => 0);
    block[E_FIRST_CALLED] = firstCalledMs;
    // concat makes arrays of exactly the new length (push would over-allocate).
    this.values = this.values.concat(block);
    this.destinations = this.destinations.concat(dst);
    return new EdgeBaseline(this, blockAt(this.destinations.length - 1));
  }

  /** Destinations first called after the learning period, within the last `horizonMs`. */
  recentNewDestinations(nowMs: number, horizonMs: number): string[] {
    const out: string[] = [];
    this.destinations.forEach((dst, i) => {
      const first = this.values[blockAt(i) + E_FIRST_CALLED]!;
      if (first !== 0 && nowMs - first <= horizonMs) out.push(dst);
    });
    return out;
  }
  /** When the workload first called `dst` after its learning period (0: baseline; undefined: never). */
  firstCalledMs(dst: string): number | undefined {
    const i = this.destinations.indexOf(dst);
    return i < 0 ? undefined : this.values[blockAt(i) + E_FIRST_CALLED];
  }

  knowsTemplate(template: string): boolean {
    const t = this.templates;
    if (t === undefined) return false;
    return Array.isArray(t) ? t.includes(template) : t.has(template);
  }
  rememberTemplate(template: string): void {
    const t = this.templates;
    if (t === undefined) {
      this.templates = [template];
    } else if (Array.isArray(t)) {
      if (t.includes(template)) return;
      this.templates = t.length < SMALL_TEMPLATES ? t.concat(template) : new Set([...t, template]);
    } else if (!t.has(template)) {
      if (t.size >= MAX_KNOWN_TEMPLATES) {
        const first = t.values().next().value;
        if (first !== undefined) t.delete(first);
      }
      t.add(template);
    }
  }

  externalHost(host: string): ExternalHostState | undefined {
    return this.externalHosts?.get(host);
  }
  forEachExternalHost(fn: (state: ExternalHostState, host: string) => void): void {
    this.externalHosts?.forEach(fn);
  }
  /**
   * The state of an external host, remembered from now on if new. Past the cap the host contacted
   * longest ago goes, a dependency from the learning period last.
   */
  rememberExternalHost(host: string, firstSeenMs: number, known: boolean): ExternalHostState {
    const hosts = (this.externalHosts ??= new Map());
    let x = hosts.get(host);
    if (x === undefined) {
      if (hosts.size >= MAX_KNOWN_EXTERNAL) {
        let victim: string | undefined;
        let victimState: ExternalHostState | undefined;
        for (const [k, h] of hosts)
          if (
            victimState === undefined ||
            (victimState.known && !h.known) ||
            (victimState.known === h.known && h.lastContactMs < victimState.lastContactMs)
          )
            [victim, victimState] = [k, h];
        if (victim !== undefined) hosts.delete(victim);
      }
      x = new ExternalHostState(firstSeenMs, known);
      hosts.set(host, x);
    }
    return x;
  }

  toJSON(): unknown {
    return {
      v: SNAPSHOT_VERSION,
      a: this.values.map(round),
      d: this.destinations,
      t: this.templates ? [...this.templates] : [],
      x: [...(this.externalHosts ?? [])].map(([k, x]) => [k, ...x.toTuple()]),
      ...(this.accumulators && { s: this.accumulators.map(round) }),
    };
  }

  /** Throws on a snapshot it cannot read (another format version, or not a snapshot at all). */
  static fromJSON(json: string): EntityState {
    const o = JSON.parse(json) as Record<string, unknown>;
    if (o.v !== SNAPSHOT_VERSION && o.v !== 2) throw new Error(`unsupported snapshot version ${String(o.v)}`);
    const destinations = o.d as string[];
    const values = o.v === 2 ? widenV2(o.a as number[], destinations.length) : (o.a as number[]).slice();
    const size = blockAt(destinations.length);
    if (values.length !== size || values.some((x) => typeof x !== 'number'))
      throw new Error(`snapshot holds ${values.length} numbers, expected ${size}`);
    const s = new EntityState(0, values);
    s.destinations = destinations.map(String);
    for (const t of o.t as string[]) s.rememberTemplate(t);
    for (const [k, ...tuple] of o.x as Array<[string, ...ExternalHostTuple]>) {
      s.externalHosts ??= new Map();
      s.externalHosts.set(k, ExternalHostState.fromTuple(tuple));
    }
    if (o.s !== undefined && !(Array.isArray(o.s) && o.s.every(Number.isFinite)))
      throw new Error('snapshot accumulators are not all numbers');
    s.accumulators = (o.s as number[] | undefined)?.slice();
    return s;
  }

  private stat(at: number): EwStat {
    return new EwStat(ALPHA, this.values, at, STAT_COUNT);
  }

  /** Past the cap, the destination learned most recently goes first: the baseline's own matter most. */
  private forgetNewestDestination(): void {
    let victim = -1;
    let newest = -1;
    this.destinations.forEach((_, i) => {
      const first = this.values[blockAt(i) + E_FIRST_CALLED]!;
      if (first > newest) [victim, newest] = [i, first];
    });
    if (victim < 0) return;
    this.destinations.splice(victim, 1);
    this.values.splice(blockAt(victim), EDGE_SIZE);
  }
}

/** A version 2 snapshot's numbers with the outage slot (never seen down) added to each destination. */
function widenV2(a: number[], destinations: number): number[] {
  if (!Array.isArray(a) || a.length !== HEADER_SIZE + destinations * EDGE_SIZE_V2) return a;
  const out = a.slice(0, HEADER_SIZE);
  for (let i = 0; i < destinations; i++) {
    const at = HEADER_SIZE + i * EDGE_SIZE_V2;
    out.push(...a.slice(at, at + EDGE_SIZE_V2), 0);
  }
  return out;
}
