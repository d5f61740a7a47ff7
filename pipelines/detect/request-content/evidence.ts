/**
 * Evidence of hostile request content, per source and destination service, accumulated across windows
 * with exponential decay: one injection request every 10 s adds up, one odd request a day does not.
 * Only labels, redacted samples, status counts and hashes of route templates are kept, never a raw
 * path or query value.
 */

/** Labels, samples and route hashes kept per source → service (bounded whatever the traffic). */
const MAX_LABELS = 16;
const MAX_SAMPLES = 3;
const MAX_ROUTES = 64;
/** Sources with evidence kept at once; the stalest go first. */
export const MAX_SOURCES = 20_000;

export interface SuspiciousRequest {
  timeMs: number;
  /** How much this request says: 1 for a strong grammar hit, less for a weak one the model found unusual. */
  weight: number;
  strong: boolean;
  label: string;
  sample: string;
  routeHash: number;
  status: number;
  /** Reconstruction error over the service's threshold (NaN: no model yet). */
  novelty: number;
}

export class ServiceEvidence {
  /** Decayed sum of the requests' weights, as of updatedMs. */
  value = 0;
  updatedMs = 0;
  firstMs = Number.MAX_SAFE_INTEGER;
  lastMs = 0;
  requests = 0;
  strong = 0;
  readonly labels = new Map<string, number>();
  readonly samples: string[] = [];
  readonly routes = new Set<number>();
  readonly statuses = new Map<number, number>();
  maxNovelty = Number.NaN;

  add(r: SuspiciousRequest, halfLifeMs: number): void {
    this.value = this.valueAt(r.timeMs, halfLifeMs) + r.weight;
    this.updatedMs = Math.max(this.updatedMs, r.timeMs);
    if (r.timeMs < this.firstMs) this.firstMs = r.timeMs;
    if (r.timeMs > this.lastMs) this.lastMs = r.timeMs;
    this.requests++;
    if (r.strong) this.strong++;
    const seen = this.labels.get(r.label);
    if (seen !== undefined || this.labels.size < MAX_LABELS) this.labels.set(r.label, (seen ?? 0) + 1);
    if (this.samples.length < MAX_SAMPLES && !this.samples.includes(r.sample)) this.samples.push(r.sample);
    if (this.routes.size < MAX_ROUTES) this.routes.add(r.routeHash);
    this.statuses.set(r.status, (this.statuses.get(r.status) ?? 0) + 1);
    if (!Number.isNaN(r.novelty) && !(r.novelty <= this.maxNovelty)) this.maxNovelty = r.novelty;
  }

  /** The evidence decayed to `timeMs` (records a little out of order do not inflate it). */
  valueAt(timeMs: number, halfLifeMs: number): number {
    const dt = Math.max(0, timeMs - this.updatedMs);
    return this.value * Math.pow(0.5, dt / halfLifeMs);
  }

  /** The family most of its requests showed (`sql`, `traversal`, `xss`...). */
  dominantFamily(): string {
    const byFamily = new Map<string, number>();
    for (const [label, n] of this.labels) {
      const family = label.slice(0, label.indexOf(':'));
      byFamily.set(family, (byFamily.get(family) ?? 0) + n);
    }
    let best = '';
    let most = 0;
    for (const [family, n] of byFamily)
      if (n > most) {
        most = n;
        best = family;
      }
    return best;
  }
}

/** source → destination service → evidence. */
export class EvidenceBook {
  private readonly bySource = new Map<string, Map<string, ServiceEvidence>>();

  constructor(private readonly halfLifeMs: number) {}

  get size(): number {
    return this.bySource.size;
  }

  add(src: string, dst: string, r: SuspiciousRequest): void {
    let services = this.bySource.get(src);
    if (services === undefined) {
      if (this.bySource.size >= MAX_SOURCES) this.bySource.delete(this.bySource.keys().next().value!);
      services = new Map();
      this.bySource.set(src, services);
    } else {
      // Most recently touched last: the first key is the stalest when the book is full.
      this.bySource.delete(src);
      this.bySource.set(src, services);
    }
    let e = services.get(dst);
    if (e === undefined) {
      e = new ServiceEvidence();
      services.set(dst, e);
    }
    e.add(r, this.halfLifeMs);
  }

  of(src: string): ReadonlyMap<string, ServiceEvidence> | undefined {
    return this.bySource.get(src);
  }

  /** Whether `src` has live evidence against `dst` (its clean-looking requests then teach the model nothing). */
  suspects(src: string, dst: string, timeMs: number): boolean {
    const e = this.bySource.get(src)?.get(dst);
    return e !== undefined && e.valueAt(timeMs, this.halfLifeMs) >= 0.05;
  }

  /** Forget evidence decayed to nothing (after ~7 half-lives with no new suspicious request). */
  prune(nowMs: number): void {
    for (const [src, services] of this.bySource) {
      for (const [dst, e] of services) if (e.valueAt(nowMs, this.halfLifeMs) < 0.01) services.delete(dst);
      if (services.size === 0) this.bySource.delete(src);
    }
  }

  value(e: ServiceEvidence, timeMs: number): number {
    return e.valueAt(timeMs, this.halfLifeMs);
  }
}
