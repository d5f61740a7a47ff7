/**
 * The scoring pipeline: events → (address identities, sensitive calls, known destinations) → event-time
 * windows per source → detectors → fusion → incidents, then the closed window is learned.
 * Synchronous and allocation-light per event; all detector work happens when a window ends or closes.
 */
import type { ComponentSettings } from '../core/component.js';
import type { Finding } from '../core/finding.js';
import type { MeshEvent } from '../core/event.js';
import type { IncidentHandler, ScoringPipeline } from '../core/pipeline.js';
import { inSpan } from '../core/tracing.js';
import type { WindowingConfig } from '../features/config.js';
import { EntityState } from '../features/entity-state.js';
import { workloadRow } from '../features/row.js';
import { WindowAggregator, type ClosedWindow } from '../features/window.js';
import type { DetectorsConfig } from '../detect/config.js';
import type { WindowContext, WindowDetector, WindowDetectorFactory } from '../detect/detector.js';
import type { IncidentsConfig } from '../incidents/config.js';
import { fuse } from '../incidents/fusion.js';
import { IncidentManager } from '../incidents/manager.js';
import { AddressIdentities } from './address-identities.js';
import { TrackedEntities } from './tracked-entities.js';
import { BaselineLearning } from './learning.js';
import { offenderOfEntity, offenderOfWindow } from './offender.js';
import { SensitiveCalls } from './sensitive-calls.js';
import { createWindowDetectors } from './window-detectors.js';
import { windowContext, type WarmUp } from './window-context.js';

/** The config sections the pipeline reads (the root config satisfies it). */
export interface PipelineConfig {
  windowing: WindowingConfig;
  detectors: DetectorsConfig;
  incidents: IncidentsConfig;
}

/** The largest time a JavaScript Date holds (ECMA-262 §21.4.1.22): beyond it toISOString() throws. */
const MAX_EVENT_TIME_MS = 8.64e15;

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
  /**
   * The window detector families, in the order their findings reach fusion: the registry's list
   * (pipelines/registry/window-detectors.ts), handed in by the assembly.
   */
  detectors: readonly WindowDetectorFactory[];
  /** Every accepted event, after address enrichment (least-privilege verification reads shadow verdicts). */
  onEvent?: (ev: MeshEvent) => void;
}

export class Pipeline implements ScoringPipeline {
  private readonly addresses = new AddressIdentities();
  private readonly sensitiveCalls = new SensitiveCalls();
  private readonly aggregator: WindowAggregator;
  private readonly entities: TrackedEntities;
  private readonly detectors: WindowDetector[];
  private readonly learning: BaselineLearning;
  private readonly incidents: IncidentManager;
  private readonly warmUp: WarmUp;
  private readonly latenessMs: number;
  private events = 0;
  private eventsReported = 0;

  constructor(
    cfg: PipelineConfig,
    private readonly settings: ComponentSettings,
    handler: IncidentHandler,
    private readonly options: PipelineOptions,
  ) {
    const w = cfg.windowing;
    this.warmUp = { firstEventMs: NaN, learningMs: w.learning_secs * 1000 };
    this.latenessMs = w.allowed_lateness_secs * 1000;
    this.aggregator = new WindowAggregator(
      w.window_secs * 1000,
      this.latenessMs,
      (cw) => this.onClose(cw),
      // With no lateness allowed, a window closes as it ends: nothing to decide early.
      w.early_decisions && w.allowed_lateness_secs > 0 ? (cw) => this.decideEarly(cw) : undefined,
    );
    this.entities = new TrackedEntities({
      logger: settings.logger,
      idleMs: w.entity_idle_secs * 1000,
      trackDirty: options.trackDirtyEntities !== false,
    });
    this.detectors = createWindowDetectors(options.detectors, cfg.detectors, settings);
    this.learning = new BaselineLearning(cfg.detectors.exfiltration.min_bytes);
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
    // One record must not move event time where no Date can follow (incident timestamps): set aside.
    if (!(Math.abs(ev.timeMs) <= MAX_EVENT_TIME_MS)) {
      this.settings.metrics.eventsRejected.inc({
        source: 'pipeline',
        format: 'event',
        reason: 'time_out_of_range',
      });
      return;
    }
    this.events++;
    if (this.events === 1) this.warmUp.firstEventMs = ev.timeMs;
    this.addresses.enrich(ev);
    this.options.onEvent?.(ev);
    this.learning.noteDestination(ev);
    this.sensitiveCalls.note(ev);
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
      this.incidents.offer(candidate, offenderOfEntity(entity), Math.max(...list.map((f) => f.timeMs)));
    }
  }

  hasEntity(entity: string): boolean {
    return this.entities.has(entity);
  }
  exportEntity(entity: string): string | undefined {
    return this.entities.export(entity);
  }
  importEntity(entity: string, snapshot: string): void {
    this.entities.import(entity, snapshot);
  }
  takeDirtyEntities(): string[] {
    return this.entities.takeDirty();
  }

  private onClose(cw: ClosedWindow): void {
    inSpan(
      'meshguard.window',
      { 'meshguard.window.start_ms': cw.startMs, 'meshguard.window.sources': cw.sources.size },
      () => this.scoreWindow(cw),
    );
  }

  /** A window closed: score every source in it, raise what fuses into an incident, learn the rest. */
  private scoreWindow(cw: ClosedWindow): void {
    const nowMs = Math.max(cw.endMs, this.aggregator.watermarkMs + this.latenessMs);
    const contexts: WindowContext[] = [];
    for (const [src, sw] of cw.sources) {
      const state = this.entities.getOrAdd(src, this.learning.firstSeenMs(sw));
      const calls = this.sensitiveCalls.take(src, cw.endMs);
      contexts.push(windowContext(cw, sw, state, calls, this.learning.peers, this.warmUp));
    }
    const neuralFindings = this.featureFindings(cw, contexts);

    const top: Array<{ workload: string; score: number }> = [];
    for (const ctx of contexts) {
      const sw = ctx.window;
      const own = this.evaluate(ctx);
      for (const f of own) this.settings.metrics.detectorScore.observe({ detector: f.detector }, f.score);
      const candidate = fuse(sw.src, [...(neuralFindings.get(sw.src) ?? []), ...own]);
      if (candidate !== undefined) {
        this.incidents.offer(candidate, offenderOfWindow(sw), nowMs);
        top.push({ workload: sw.principal || sw.address || sw.src, score: candidate.score });
      }
      this.learning.learn(ctx.state, cw, ctx, candidate !== undefined);
      this.entities.changed(sw.src);
    }

    // Counted per window, not per event: a labelled counter increment costs more than scoring an event.
    this.settings.metrics.eventsScored.inc(this.events - this.eventsReported);
    this.eventsReported = this.events;
    if (top.length > 0) this.settings.metrics.setTopWorkloads(top.sort((a, b) => b.score - a.score));
    this.settings.metrics.entitiesTracked.set(this.entities.size);
    this.entities.evictIdle(cw.endMs);
    this.incidents.prune(cw.endMs);
  }

  /**
   * A window has ended but stays open for late records: decide on what it holds now, so an attack is
   * raised when its window ends rather than after the allowed lateness. Nothing is learned or taken here;
   * the closed window is scored again (the incident manager keeps one incident per offender) and learned.
   */
  private decideEarly(cw: ClosedWindow): void {
    for (const [src, sw] of cw.sources) {
      const state = this.entities.get(src) ?? new EntityState(this.learning.firstSeenMs(sw));
      const calls = this.sensitiveCalls.peek(src, cw.endMs);
      const ctx = windowContext(cw, sw, state, calls, this.learning.peers, this.warmUp);
      const candidate = fuse(src, this.evaluate(ctx));
      if (candidate !== undefined) this.incidents.offer(candidate, offenderOfWindow(sw), cw.endMs);
    }
  }

  /** The feature rows of the window to the onFeatures hook (the neural model); its findings by source. */
  private featureFindings(cw: ClosedWindow, contexts: readonly WindowContext[]): Map<string, Finding[]> {
    const bySource = new Map<string, Finding[]>();
    if (this.options.onFeatures === undefined) return bySource;
    const rows = contexts.map((c) => ({
      entity: c.window.src,
      row: workloadRow(c.window, c.newDestinations.length, c.newRoutes.length),
      endMs: cw.endMs,
      firstMs: c.window.firstMs,
    }));
    for (const f of this.options.onFeatures(rows)) {
      const list = bySource.get(f.entity) ?? [];
      list.push(f);
      bySource.set(f.entity, list);
    }
    return bySource;
  }

  private evaluate(ctx: WindowContext): Finding[] {
    const findings: Finding[] = [];
    for (const d of this.detectors) for (const f of d.evaluate(ctx)) findings.push(f);
    return findings;
  }
}

export function createPipeline(
  cfg: PipelineConfig,
  settings: ComponentSettings,
  onIncident: IncidentHandler,
  options: PipelineOptions,
): Pipeline {
  return new Pipeline(cfg, settings, onIncident, options);
}
