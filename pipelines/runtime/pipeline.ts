/**
 * The scoring pipeline: events → event-time windows per source → detectors → fusion → incidents.
 * Synchronous and allocation-light per event; all detector work happens when a window closes.
 */
import type { ComponentSettings } from '../core/component.js';
import type { Finding } from '../core/finding.js';
import type { MeshEvent } from '../core/event.js';
import type { MeshguardConfig } from '../../config/schema.js';
import { EntityState } from '../features/entity-state.js';
import { pathTemplate } from '../features/path-template.js';
import { EwStat } from '../features/stats.js';
import { workloadRow } from '../features/row.js';
import { WindowAggregator, type ClosedWindow, type SourceWindow } from '../features/window.js';
import {
  isSensitiveDestination,
  type PeerBaselines,
  type SensitiveCall,
  type WindowContext,
  type WindowDetector,
} from '../detect/detector.js';
import { createDetectors } from '../detect/registry.js';
import { fuse } from '../incidents/fusion.js';
import { spiffeParts } from '../parse/spiffe.js';
import { inSpan } from '../core/tracing.js';
import { IncidentManager } from '../incidents/manager.js';
import type { IncidentHandler, ScoringPipeline } from '../core/pipeline.js';

/** Decay of the recent-denials counters per window: a trickle adds up over about a minute. */
const RECENT_DECAY = 0.7;
/** Bound on the identities remembered as destinations. */
const MAX_KNOWN_IDENTITIES = 200_000;

export interface PipelineOptions {
  /** Wall clock for latency metrics in live modes; leave undefined in replay (event time only). */
  wallNowMs?: () => number;
  /**
   * Receives the feature rows of every source in a closed window, in one batch (the neural model scores
   * them in one call), and may return findings that join the detectors' in fusion.
   */
  onFeatures?: (
    rows: ReadonlyArray<{ entity: string; row: number[]; endMs: number; firstMs: number }>,
  ) => Finding[];
  /**
   * Keep the set of entities changed since takeDirtyEntities() (replicas snapshot them to Redis).
   * Default true; a replay, which never snapshots, turns it off.
   */
  trackDirtyEntities?: boolean;
}

/**
 * Who a pod IP belongs to. One per pod, so kept small: namespace and service account are read back
 * from the principal when needed (memoized), not stored twice.
 */
interface IpIdentity {
  principal: string;
  workload: string;
}

export class Pipeline implements ScoringPipeline {
  private readonly aggregator: WindowAggregator;
  private readonly entities = new Map<string, EntityState>();
  private readonly dirty = new Set<string>();
  private readonly detectors: WindowDetector[] = createDetectors();
  private readonly incidents: IncidentManager;
  /** Pod IP → identity, learned from records that carry both (resolves identity-less callers). */
  private readonly ipIdentity = new Map<string, IpIdentity>();
  private readonly peers: PeerBaselines = {
    deniedRatio: new EwStat(0.01),
    notFoundRatio: new EwStat(0.01),
    destinationMtls: new Map(),
    meshMtls: { mtls: 0, plaintext: 0 },
  };
  /** Identity → event time it was first seen as a destination. */
  private readonly knownSince = new Map<string, number>();
  /** Calls to sensitive destinations by source, until the window holding them closes. */
  private readonly sensitiveCalls = new Map<string, SensitiveCall[]>();
  private firstEventMs = NaN;
  private events = 0;
  private eventsReported = 0;
  private readonly learningMs: number;
  private readonly idleMs: number;

  constructor(
    private readonly cfg: MeshguardConfig,
    private readonly settings: ComponentSettings,
    handler: IncidentHandler,
    private readonly options: PipelineOptions = {},
  ) {
    const w = cfg.windowing;
    this.learningMs = w.learning_secs * 1000;
    this.idleMs = w.entity_idle_secs * 1000;
    this.aggregator = new WindowAggregator(
      w.window_secs * 1000,
      w.allowed_lateness_secs * 1000,
      (cw) => this.onClose(cw),
      // With no lateness allowed, a window closes as it ends: nothing to decide early.
      w.early_decisions && w.allowed_lateness_secs > 0 ? (cw) => this.decideEarly(cw) : undefined,
    );
    this.incidents = new IncidentManager({
      dedupWindowMs: cfg.incidents.dedup_window_secs * 1000,
      maxKept: cfg.incidents.max_kept,
      state: settings.state,
      metrics: settings.metrics,
      logger: settings.logger,
      handler,
      wallNowMs: options.wallNowMs,
    });
  }

  get stats() {
    return {
      events: this.events,
      incidents: this.incidents.raised,
      entities: this.entities.size,
      watermarkMs: this.aggregator.watermarkMs,
    };
  }

  get recentIncidents() {
    return this.incidents.recent;
  }

  push(ev: MeshEvent): void {
    this.events++;
    if (this.events === 1) this.firstEventMs = ev.timeMs;
    if (ev.srcAddress !== '') {
      if (ev.srcPrincipal !== '') {
        if (!this.ipIdentity.has(ev.srcAddress))
          this.ipIdentity.set(ev.srcAddress, { principal: ev.srcPrincipal, workload: ev.srcWorkload });
      } else {
        const known = this.ipIdentity.get(ev.srcAddress);
        if (known !== undefined) {
          const spiffe = spiffeParts(known.principal);
          ev.src = known.principal;
          ev.srcPrincipal = known.principal;
          if (spiffe.namespace !== '') ev.srcNamespace = spiffe.namespace;
          if (spiffe.serviceAccount !== '') ev.srcServiceAccount = spiffe.serviceAccount;
          if (ev.srcWorkload === '') ev.srcWorkload = known.workload;
        }
      }
    }
    // A workload that only ever served traffic has a baseline too ("calls nothing"): remember since
    // when each identity is known, so its first outgoing calls are judged, not learned.
    if (
      ev.dstPrincipal !== '' &&
      !this.knownSince.has(ev.dstPrincipal) &&
      this.knownSince.size < MAX_KNOWN_IDENTITIES
    )
      this.knownSince.set(ev.dstPrincipal, ev.timeMs);
    const target = ev.egress ? ev.externalHost || ev.dst : ev.dst;
    if (isSensitiveDestination(target)) {
      let calls = this.sensitiveCalls.get(ev.src);
      if (calls === undefined) {
        calls = [];
        this.sensitiveCalls.set(ev.src, calls);
      }
      if (calls.length < 64)
        calls.push({
          destination: target,
          method: ev.method,
          path: ev.path,
          status: ev.status,
          timeMs: ev.timeMs,
        });
    }
    this.aggregator.push(ev);
  }

  advanceTo(timeMs: number): void {
    this.aggregator.advanceTo(timeMs);
  }

  finish(): void {
    this.aggregator.finish();
  }

  drain(): Promise<void> {
    return this.incidents.drain();
  }

  /**
   * Findings from outside the window detectors (the metric series detectors on mesh metrics), fused
   * per offender and raised like any other.
   */
  pushFindings(findings: readonly Finding[]): void {
    const byEntity = new Map<string, Finding[]>();
    for (const f of findings) byEntity.set(f.entity, [...(byEntity.get(f.entity) ?? []), f]);
    for (const [entity, list] of byEntity) {
      const candidate = fuse(entity, list);
      if (candidate === undefined) continue;
      const principal = entity.startsWith('spiffe://') ? entity : '';
      const [, namespace = '', serviceAccount = ''] = /\/ns\/([^/]+)\/sa\/([^/]+)/.exec(principal) ?? [];
      const [ns = '', workload = ''] = principal === '' ? entity.split('/') : [];
      this.incidents.offer(
        candidate,
        { principal, namespace: namespace || ns, serviceAccount, workload, address: '' },
        Math.max(...list.map((f) => f.timeMs)),
      );
    }
  }

  hasEntity(entity: string): boolean {
    return this.entities.has(entity);
  }
  exportEntity(entity: string): string | undefined {
    const s = this.entities.get(entity);
    return s ? JSON.stringify(s) : undefined;
  }
  importEntity(entity: string, snapshot: string): void {
    try {
      this.entities.set(entity, EntityState.fromJSON(snapshot));
    } catch (error) {
      this.settings.logger.warn(
        { entity, error: (error as Error).message },
        'Ignoring unreadable entity snapshot.',
      );
    }
  }
  takeDirtyEntities(): string[] {
    const out = [...this.dirty];
    this.dirty.clear();
    return out;
  }

  private onClose(cw: ClosedWindow): void {
    inSpan(
      'meshguard.window',
      { 'meshguard.window.start_ms': cw.startMs, 'meshguard.window.sources': cw.sources.size },
      () => this.scoreWindow(cw),
    );
  }

  private scoreWindow(cw: ClosedWindow): void {
    const nowMs = Math.max(
      cw.endMs,
      this.aggregator.watermarkMs + this.cfg.windowing.allowed_lateness_secs * 1000,
    );
    const top: Array<{ workload: string; score: number }> = [];
    const contexts: WindowContext[] = [];

    for (const [src, sw] of cw.sources) {
      let state = this.entities.get(src);
      if (state === undefined) {
        state = this.newEntityState(src, sw);
        this.entities.set(src, state);
      }
      contexts.push(this.contextFor(cw, sw, state, this.takeSensitiveCalls(src, cw.endMs)));
    }
    const extraByEntity = new Map<string, Finding[]>();
    if (this.options.onFeatures) {
      const rows = contexts.map((c) => ({
        entity: c.window.src,
        row: workloadRow(c.window, c.newDestinations.length, c.newRoutes.length),
        endMs: cw.endMs,
        firstMs: c.window.firstMs,
      }));
      for (const f of this.options.onFeatures(rows)) {
        const list = extraByEntity.get(f.entity) ?? [];
        list.push(f);
        extraByEntity.set(f.entity, list);
      }
    }

    for (const ctx of contexts) {
      const { window: sw, state } = ctx;
      const src = sw.src;
      const own = this.evaluate(ctx);
      for (const f of own) this.settings.metrics.detectorScore.observe({ detector: f.detector }, f.score);
      const findings = [...(extraByEntity.get(src) ?? []), ...own];
      const candidate = fuse(src, findings);
      if (candidate !== undefined) {
        this.incidents.offer(candidate, offenderOf(sw), nowMs);
        top.push({ workload: sw.principal || sw.address || src, score: candidate.score });
      }
      this.learn(state, sw, cw, ctx, candidate !== undefined);
      if (this.options.trackDirtyEntities !== false) this.dirty.add(src);
    }

    // Counted per window, not per event: a labelled counter increment costs more than scoring an event.
    this.settings.metrics.eventsScored.inc(this.events - this.eventsReported);
    this.eventsReported = this.events;
    if (top.length > 0) this.settings.metrics.setTopWorkloads(top.sort((a, b) => b.score - a.score));
    this.settings.metrics.entitiesTracked.set(this.entities.size);
    this.evictIdle(cw.endMs);
    this.incidents.prune(cw.endMs);
  }

  /**
   * A window has ended but stays open for late records: decide on what it holds now, so an attack is
   * raised when its window ends rather than after the allowed lateness. Nothing is learned or taken here;
   * the closed window is scored again (the incident manager keeps one incident per offender) and learned.
   */
  private decideEarly(cw: ClosedWindow): void {
    for (const [src, sw] of cw.sources) {
      const state = this.entities.get(src) ?? this.newEntityState(src, sw);
      const ctx = this.contextFor(cw, sw, state, this.peekSensitiveCalls(src, cw.endMs));
      const candidate = fuse(src, this.evaluate(ctx));
      if (candidate !== undefined) this.incidents.offer(candidate, offenderOf(sw), cw.endMs);
    }
  }

  private newEntityState(src: string, sw: SourceWindow): EntityState {
    return new EntityState(Math.min(sw.firstMs, this.knownSince.get(src) ?? Infinity));
  }

  /** What the detectors are given for one source in one window (reads state, changes nothing). */
  private contextFor(
    cw: ClosedWindow,
    sw: SourceWindow,
    state: EntityState,
    sensitiveCalls: SensitiveCall[],
  ): WindowContext {
    // The process warms up once, but an entity whose baseline moved here from another replica (or was
    // learned before) does not wait for it.
    const processWarmingUp = cw.endMs - this.firstEventMs < this.learningMs;
    const learning = state.isLearning(cw.endMs, this.learningMs);
    const newEntity =
      !processWarmingUp && state.firstSeenMs - this.firstEventMs >= this.learningMs && learning;

    const newDestinations: string[] = [];
    for (const dst of sw.edges.keys()) if (!state.knowsDestination(dst)) newDestinations.push(dst);
    let newRoutes: WindowContext['newRoutes'] | undefined;
    return {
      startMs: cw.startMs,
      endMs: cw.endMs,
      window: sw,
      state,
      learning: learning && !newEntity,
      newEntity,
      warmingUp: processWarmingUp && learning,
      peers: this.peers,
      // Templating every distinct path is the costliest part of a context: done when first asked for.
      get newRoutes() {
        return (newRoutes ??= newRoutesOf(state, sw));
      },
      newDestinations,
      config: this.cfg.detectors,
      sensitiveCalls,
    };
  }

  private evaluate(ctx: WindowContext): Finding[] {
    const findings: Finding[] = [];
    for (const d of this.detectors) {
      const f = d.evaluate(ctx);
      if (f !== undefined) findings.push(f);
    }
    return findings;
  }

  /**
   * Fold a window into the baselines. Windows that raised a finding do not move the volume and ratio
   * baselines (an attack must not teach meshguard that attacks are normal), but what was seen is remembered.
   */
  private learn(
    state: EntityState,
    sw: SourceWindow,
    cw: ClosedWindow,
    ctx: WindowContext,
    flagged: boolean,
  ): void {
    // A source first seen after warm-up learns its own baseline too, but the external hosts it
    // contacts are not vouched for: a workload that only ever served traffic and now uploads is news.
    const learning = ctx.learning || ctx.newEntity;
    const newRoutes = ctx.newRoutes;
    state.recordWindow(cw.endMs, sw.denied, sw.notFound, RECENT_DECAY);
    this.rememberLastWindow(state, sw, cw, learning);
    for (const r of newRoutes) state.rememberTemplate(r.template);

    for (const [host, x] of sw.external) {
      const ext = state.rememberExternalHost(host, x.firstMs, ctx.learning);
      ext.cumulativeUp += x.bytesUp;
      ext.cumulativeDown += x.bytesDown;
      ext.passthrough ||= x.passthrough;
      for (const t of x.times) {
        // Requests within a second of each other are one contact (a burst), not a period.
        if (ext.lastContactMs !== 0 && t - ext.lastContactMs > 1000)
          ext.intervals.update(t - ext.lastContactMs);
        if (ext.lastContactMs === 0 || t - ext.lastContactMs > 1000) ext.contacts++;
        if (t > ext.lastContactMs) ext.lastContactMs = t;
      }
    }

    // Inbound mTLS accounting per destination, for the plaintext detector.
    for (const [dst, e] of sw.edges) {
      if (e.inbound === 0) continue;
      let m = this.peers.destinationMtls.get(dst);
      if (m === undefined) {
        m = { mtls: 0, plaintext: 0 };
        this.peers.destinationMtls.set(dst, m);
      }
      if (!flagged || learning) {
        m.mtls += e.inbound - e.plaintext;
        m.plaintext += e.plaintext;
        this.peers.meshMtls.mtls += e.inbound - e.plaintext;
        this.peers.meshMtls.plaintext += e.plaintext;
      }
    }

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
    state.learn({
      requests: Math.log1p(sw.requests),
      deniedRatio,
      notFoundRatio,
      newTemplates: newRoutes.length,
      bytesUp: Math.log1p(sw.bytesUp),
      bytesDown: Math.log1p(sw.bytesDown),
    });
    this.peers.deniedRatio.update(deniedRatio);
    this.peers.notFoundRatio.update(notFoundRatio);
    const minBytes = this.cfg.detectors.exfiltration.min_bytes;
    for (const [dst, e] of sw.edges) {
      const base = state.edge(dst, learning ? 0 : e.firstMs);
      // A heavy window not yet confirmed by the next one is held out of the baseline: if it is the
      // start of a dump, learning it would hide the rest.
      const heavy = Math.max(e.bytesDown, e.bytesUp);
      if (
        !learning &&
        heavy >= minBytes &&
        heavy >= 10 * Math.expm1(Math.max(base.bytesDown.mean, base.bytesUp.mean))
      )
        continue;
      base.learn({
        bytesDown: Math.log1p(e.bytesDown),
        bytesUp: Math.log1p(e.bytesUp),
        requests: Math.log1p(e.requests),
        deniedRatio: e.denied / e.requests,
      });
      // Peaks decay with a half-life of about a day of windows, so yesterday's batch job is remembered.
      base.peakDown = Math.max(base.peakDown * 0.99993, e.bytesDown);
      base.peakUp = Math.max(base.peakUp * 0.99993, e.bytesUp);
    }
  }

  /**
   * Every destination called is remembered, with the edge's last window, even for flagged windows
   * (sustained-volume checks).
   */
  private rememberLastWindow(
    state: EntityState,
    sw: SourceWindow,
    cw: ClosedWindow,
    learning: boolean,
  ): void {
    for (const [dst, e] of sw.edges)
      state.edge(dst, learning ? 0 : e.firstMs).rememberWindow(e.bytesDown, e.bytesUp, cw.endMs);
  }

  private peekSensitiveCalls(src: string, endMs: number): SensitiveCall[] {
    return (this.sensitiveCalls.get(src) ?? []).filter((c) => c.timeMs < endMs);
  }

  private takeSensitiveCalls(src: string, endMs: number): SensitiveCall[] {
    const calls = this.sensitiveCalls.get(src);
    if (calls === undefined) return [];
    const due = calls.filter((c) => c.timeMs < endMs);
    const rest = calls.filter((c) => c.timeMs >= endMs);
    if (rest.length === 0) this.sensitiveCalls.delete(src);
    else this.sensitiveCalls.set(src, rest);
    return due;
  }

  private evictIdle(nowMs: number): void {
    if (this.entities.size < 1000) return;
    for (const [k, s] of this.entities) if (nowMs - s.lastSeenMs > this.idleMs) this.entities.delete(k);
  }
}

/** Route templates of this window the source never used before, and whether their requests mostly failed. */
function newRoutesOf(state: EntityState, sw: SourceWindow): WindowContext['newRoutes'] {
  const routes: WindowContext['newRoutes'] = [];
  const seenTemplates = new Set<string>();
  for (const [path, count] of sw.paths) {
    const t = pathTemplate(path);
    if (state.knowsTemplate(t) || seenTemplates.has(t)) continue;
    seenTemplates.add(t);
    routes.push({ template: t, failing: (sw.pathErrors.get(path) ?? 0) * 2 >= count });
  }
  return routes;
}

function offenderOf(sw: SourceWindow) {
  return {
    principal: sw.principal,
    namespace: sw.namespace,
    serviceAccount: sw.serviceAccount,
    workload: sw.workload,
    address: sw.address,
  };
}

export function createPipeline(
  cfg: MeshguardConfig,
  settings: ComponentSettings,
  onIncident: IncidentHandler,
  options?: PipelineOptions,
): Pipeline {
  return new Pipeline(cfg, settings, onIncident, options);
}
