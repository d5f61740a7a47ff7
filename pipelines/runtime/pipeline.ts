/**
 * The scoring pipeline: events → (address identities, sensitive calls, known destinations) → event-time
 * windows per source → detectors → fusion → incidents, then the closed window is learned.
 * Synchronous and allocation-light per event; all detector work happens when a window ends or closes.
 */
import type { ComponentSettings } from '../core/component.js';
import type { Finding } from '../core/finding.js';
import type { MeshEvent } from '../core/event.js';
import type { EventOrigin, IncidentHandler, ScoringPipeline } from '../core/pipeline.js';
import { inSpan } from '../core/tracing.js';
import type { WindowingConfig } from '../features/config.js';
import { EntityState } from '../features/entity-state.js';
import { WindowAggregator, type ClosedWindow } from '../features/window.js';
import type { DetectorsConfig } from '../detect/config.js';
import type { WindowContext, WindowDetector, WindowDetectorFactory } from '../detect/detector.js';
import type { IncidentsConfig } from '../incidents/config.js';
import { fuse } from '../incidents/fusion.js';
import { IncidentManager } from '../incidents/manager.js';
import { AddressIdentities } from './address-identities.js';
import type { AddressesConfig } from './address-config.js';
import { TrackedEntities } from './tracked-entities.js';
import { DEFAULT_HISTORY_LIMITS, EntityHistory, historyKeyOf, historyPoint } from './entity-history.js';
import { BaselineLearning } from './learning.js';
import { offenderOfEntity, offenderOfWindow } from './offender.js';
import { SensitiveCalls } from './sensitive-calls.js';
import { createWindowDetectors } from './window-detectors.js';
import { PartitionClock } from './event-time.js';
import { featureFindings, windowContext, type FeatureHook, type WarmUp } from './window-context.js';

/** The config sections the pipeline reads (the root config satisfies it). */
export interface PipelineConfig {
  windowing: WindowingConfig;
  detectors: DetectorsConfig;
  incidents: IncidentsConfig;
  /** Mesh CIDRs, pod-IP file, binding lifetime and cap (defaults when absent). */
  addresses?: AddressesConfig;
}

/** The largest time a JavaScript Date holds (ECMA-262 §21.4.1.22): beyond it toISOString() throws. */
const MAX_EVENT_TIME_MS = 8.64e15;

interface Task {
  aggregator: WindowAggregator;
  /** Absent for the one self-clocked task of a replay or the embedded bus. */
  clock?: PartitionClock;
}

export interface PipelineOptions {
  /** Wall clock for latency metrics in live modes; leave undefined in replay (event time only). */
  wallNowMs?: () => number;
  /**
   * Receives the feature rows of every source in a closed window, in one batch (the neural model scores
   * them in one call), and may return findings that join the detectors' in fusion.
   */
  onFeatures?: FeatureHook;
  /** Keep the entities changed since takeDirtyEntities() (replicas snapshot them); a replay turns it off. */
  trackDirtyEntities?: boolean;
  /**
   * The window detector families, in the order their findings reach fusion: the registry's list
   * (pipelines/registry/window-detectors.ts), handed in by the assembly.
   */
  detectors: readonly WindowDetectorFactory[];
  /** Sees every accepted event after enrichment (the responders' call graph learns from it; least-privilege verification reads shadow verdicts). */
  onEvent?: (ev: MeshEvent) => void;
  /** Keep each entity's recent windows for people to read (serve and the demo; off in replay). */
  keepHistory?: boolean;
}

export class Pipeline implements ScoringPipeline {
  private readonly addresses: AddressIdentities;
  private readonly sensitiveCalls = new SensitiveCalls();
  /** The self-clocked task (replay, the embedded bus): event time is its newest record. */
  private readonly aggregator: WindowAggregator;
  /** Kafka mode: one task per scored partition, each clocked by its inputs' watermarks. */
  private readonly tasks = new Map<string, Task>();
  private readonly windowing: WindowingConfig;
  private lateReported = 0;
  private readonly entities: TrackedEntities;
  private readonly detectors: WindowDetector[];
  /** The detectors that look at each event (observe), and those keeping state per source (commit). */
  private readonly observers: WindowDetector[];
  private readonly committers: WindowDetector[];
  private readonly learning: BaselineLearning;
  private readonly incidents: IncidentManager;
  private readonly warmUp: WarmUp;
  private readonly latenessMs: number;
  private events = 0;
  private eventsReported = 0;
  /** Recent windows per entity (the console's timeline); undefined unless options.keepHistory. */
  readonly history: EntityHistory | undefined;

  constructor(
    cfg: PipelineConfig,
    private readonly settings: ComponentSettings,
    handler: IncidentHandler,
    private readonly options: PipelineOptions,
  ) {
    const w = cfg.windowing;
    this.addresses = new AddressIdentities(cfg.addresses);
    this.warmUp = { firstEventMs: NaN, learningMs: w.learning_secs * 1000 };
    this.latenessMs = w.allowed_lateness_secs * 1000;
    this.windowing = w;
    this.aggregator = this.newAggregator(true);
    this.entities = new TrackedEntities({
      logger: settings.logger,
      idleMs: w.entity_idle_secs * 1000,
      trackDirty: options.trackDirtyEntities !== false,
      maxEntities: w.max_entities,
      onEvict: () => settings.metrics.entitiesEvicted.inc(),
    });
    this.detectors = createWindowDetectors(options.detectors, cfg.detectors, settings);
    this.observers = this.detectors.filter((d) => d.observe !== undefined);
    this.committers = this.detectors.filter((d) => d.commit !== undefined);
    this.learning = new BaselineLearning(cfg.detectors.exfiltration.min_bytes);
    if (options.trackDirtyEntities !== false) this.learning.trackNewlyKnown();
    this.history = options.keepHistory ? new EntityHistory() : undefined;
    this.incidents = new IncidentManager({
      dedupWindowMs: cfg.incidents.dedup_window_secs * 1000,
      claimLeaseMs: cfg.incidents.claim_lease_secs * 1000,
      maxKept: cfg.incidents.max_kept,
      state: settings.state,
      metrics: settings.metrics,
      logger: settings.logger,
      handler,
      wallNowMs: options.wallNowMs,
    });
  }

  private newAggregator(selfClocked: boolean): WindowAggregator {
    const w = this.windowing;
    const aggregator: WindowAggregator = new WindowAggregator(
      w.window_secs * 1000,
      this.latenessMs,
      (cw) => this.onClose(cw, aggregator),
      // With no lateness allowed, a window closes as it ends: nothing to decide early.
      w.early_decisions && w.allowed_lateness_secs > 0 ? (cw) => this.decideEarly(cw) : undefined,
      selfClocked,
      { maxSources: w.max_window_sources, onOverflow: () => this.settings.metrics.windowOverflow.inc() },
    );
    return aggregator;
  }

  private task(name: string): Task {
    let task = this.tasks.get(name);
    if (task === undefined) {
      const w = this.windowing;
      task = {
        aggregator: this.newAggregator(false),
        clock: new PartitionClock(w.partition_idle_secs * 1000, w.max_out_of_orderness_secs * 1000),
      };
      this.tasks.set(name, task);
    }
    return task;
  }

  private *aggregators(): Iterable<WindowAggregator> {
    yield this.aggregator;
    for (const task of this.tasks.values()) yield task.aggregator;
  }

  get stats() {
    let watermarkMs = this.aggregator.watermarkMs;
    let lateEvents = 0;
    for (const a of this.aggregators()) {
      if (a !== this.aggregator && (watermarkMs === 0 || a.watermarkMs > watermarkMs))
        watermarkMs = a.watermarkMs;
      lateEvents += a.lateEvents;
    }
    return {
      events: this.events,
      incidents: this.incidents.raised,
      entities: this.entities.size,
      watermarkMs,
      lateEvents,
      partitions: this.tasks.size,
    };
  }

  /** Address bindings: read by the quarantine guardrails (protected pods), fed by the pod watch (serve). */
  get addressBindings(): AddressIdentities {
    return this.addresses;
  }

  get recentIncidents() {
    return this.incidents.recent;
  }

  /**
   * One event. Without `from` it joins the self-clocked task (replay): event time is the newest record.
   * With it (Kafka mode), it joins its partition's task, whose clock moves with its inputs' watermarks.
   */
  push(ev: MeshEvent, from?: EventOrigin): void {
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
    if (this.events === 1 && !(this.warmUp.firstEventMs <= ev.timeMs)) this.warmUp.firstEventMs = ev.timeMs;
    this.addresses.enrich(ev);
    this.options.onEvent?.(ev);
    this.learning.noteDestination(ev);
    this.sensitiveCalls.note(ev);
    for (const d of this.observers) d.observe!(ev);
    if (from === undefined) return this.aggregator.push(ev);
    const task = this.task(from.task);
    task.aggregator.push(ev);
    this.noteInput(task, ev.timeMs, from);
  }

  /** Kafka mode: input `from.input` of its partition has delivered everything up to `timeMs`. */
  noteProgress(timeMs: number, from: EventOrigin): void {
    if (Math.abs(timeMs) <= MAX_EVENT_TIME_MS) this.noteInput(this.task(from.task), timeMs, from);
  }

  private noteInput(task: Task, timeMs: number, from: EventOrigin): void {
    const clock = task.clock!;
    if (from.inputs !== undefined && clock.size < from.inputs.length) clock.expect(from.inputs, from.wallMs);
    if (clock.note(from.input, timeMs, from.wallMs)) task.aggregator.advanceTo(clock.clockMs);
  }

  /** Move every clock to at least `timeMs` (an idle stream, by wall time). */
  advanceTo(timeMs: number): void {
    for (const a of this.aggregators()) a.advanceTo(timeMs);
  }

  /**
   * Kafka mode, after each hand-off and from the housekeeping timer: inputs silent past the idleness
   * timeout stop holding their partition back; a partition whose inputs are all idle moves on with the
   * wall time that passed since its last record (its windows close although nothing more arrives).
   */
  advanceClocks(wallMs: number): void {
    for (const task of this.tasks.values()) {
      const clock = task.clock!;
      if (clock.recompute(wallMs)) task.aggregator.advanceTo(clock.clockMs);
      if (clock.clockMs > -Infinity && clock.idle(wallMs))
        task.aggregator.advanceTo(clock.clockMs + (wallMs - clock.lastWallMs()));
    }
  }

  /** Kafka mode: event time before which every window of partition `task` has closed (else -Infinity). */
  closedBeforeMs(task: string): number {
    const a = this.tasks.get(task)?.aggregator;
    return a ? Math.floor(a.watermarkMs / a.windowMs) * a.windowMs : -Infinity;
  }

  /** Kafka mode: the group rebalanced; every input of the partitions kept here waits a full idleness again. */
  restartIdleness(wallMs: number): void {
    for (const task of this.tasks.values()) task.clock!.restartIdleness(wallMs);
  }

  /** A partition moved to another replica: its open windows are the new owner's to build. */
  dropTask(name: string): void {
    this.tasks.delete(name);
  }

  finish(): void {
    for (const a of this.aggregators()) a.finish();
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
  importEntity(entity: string, snapshot: string): number | undefined {
    return this.entities.import(entity, snapshot);
  }
  takeDirtyEntities(): string[] {
    return this.entities.takeDirty();
  }

  /** What learning needs beyond the entities, shared by replicas and kept across restarts. */
  get firstEventMs(): number {
    return this.warmUp.firstEventMs;
  }
  /** The stream started earlier than this process's first event: warm-up counts from then. */
  restoreFirstEventMs(timeMs: number): void {
    if (!(this.warmUp.firstEventMs <= timeMs)) this.warmUp.firstEventMs = timeMs;
  }
  takeNewlyKnown(): Array<[string, number]> {
    return this.learning.takeNewlyKnown();
  }
  restoreKnownSince(identity: string, sinceMs: number): void {
    this.learning.rememberKnown(identity, sinceMs);
  }

  private onClose(cw: ClosedWindow, aggregator: WindowAggregator): void {
    inSpan(
      'meshguard.window',
      { 'meshguard.window.start_ms': cw.startMs, 'meshguard.window.sources': cw.sources.size },
      () => this.scoreWindow(cw, aggregator),
    );
  }

  /** A window closed: score every source in it, raise what fuses into an incident, learn the rest. */
  private scoreWindow(cw: ClosedWindow, aggregator: WindowAggregator): void {
    const nowMs = Math.max(cw.endMs, aggregator.watermarkMs + this.latenessMs);
    const contexts: WindowContext[] = [];
    for (const [src, sw] of cw.sources) {
      const state = this.entities.getOrAdd(src, this.learning.firstSeenMs(sw));
      const calls = this.sensitiveCalls.take(src, cw.endMs);
      contexts.push(windowContext(cw, sw, state, calls, this.learning.peers, this.warmUp));
    }
    const neuralFindings = featureFindings(this.options.onFeatures, cw, contexts);

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
      // Before learning: the band each window is drawn against is the one it was judged by.
      this.history?.record(
        historyKeyOf(sw),
        historyPoint(
          sw,
          ctx.state,
          cw.endMs,
          ctx.learning || ctx.warmingUp,
          DEFAULT_HISTORY_LIMITS.edgesPerPoint,
        ),
      );
      for (const d of this.committers) d.commit!(ctx);
      this.learning.learn(ctx.state, cw, ctx, candidate !== undefined);
      this.entities.changed(sw.src);
    }

    // Counted per window, not per event: a labelled counter increment costs more than scoring an event.
    this.settings.metrics.eventsScored.inc(this.events - this.eventsReported);
    this.eventsReported = this.events;
    const late = this.tasks.size === 0 ? this.aggregator.lateEvents : this.stats.lateEvents;
    if (late > this.lateReported) this.settings.metrics.lateEvents.inc(late - this.lateReported);
    this.lateReported = late;
    if (top.length > 0) this.settings.metrics.setTopWorkloads(top.sort((a, b) => b.score - a.score));
    this.settings.metrics.entitiesTracked.set(this.entities.size);
    this.settings.metrics.reportAddressBindings(this.addresses.size, this.addresses.dropped);
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
