/**
 * Every Prometheus metric meshguard exports, in one place. Names follow Prometheus conventions
 * (meshguard_<noun>_<unit>_total); label values are bounded (no per-workload label on counters; the
 * top-N gauge is capped at TOP_WORKLOADS series).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const TOP_WORKLOADS = 10;

export class Metrics {
  readonly registry = new Registry();

  readonly eventsIngested = new Counter({
    name: 'meshguard_events_ingested_total',
    help: 'Records accepted and normalized, by source (http, kafka, file, simulator) and format.',
    labelNames: ['source', 'format'] as const,
    registers: [this.registry],
  });
  readonly eventsRejected = new Counter({
    name: 'meshguard_events_rejected_total',
    help: 'Records rejected as invalid, by source, format and reason class.',
    labelNames: ['source', 'format', 'reason'] as const,
    registers: [this.registry],
  });
  readonly channelRecords = new Counter({
    name: 'meshguard_channel_records_total',
    help:
      'Access-log and metric records by the channel they arrived through (http:<endpoint>:<token|open>, ' +
      'kafka:<topic>/<partition>, bus:<topic>) and outcome: accepted, ambiguous (a text line whose ' +
      'client-written header values held quotes: scored on the fields Envoy wrote) or rejected. Channel ' +
      'values come from the config and the routes, never from a record.',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly eventsScored = new Counter({
    name: 'meshguard_events_scored_total',
    help: 'Events that went through feature extraction and detection.',
    registers: [this.registry],
  });
  readonly lateEvents = new Counter({
    name: 'meshguard_late_events_total',
    help: 'Records that arrived after their window had closed (past the allowed lateness), folded into the oldest open window instead.',
    registers: [this.registry],
  });
  readonly kafkaRecordsSkipped = new Counter({
    name: 'meshguard_kafka_records_skipped_total',
    help: 'Records never scored because their offsets were gone from the broker (retention, offset reset), by topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly repartitioned = new Counter({
    name: 'meshguard_repartitioned_records_total',
    help: 'Access-log records re-keyed by their source entity through the repartition topic.',
    registers: [this.registry],
  });
  readonly repartitionCopies = new Counter({
    name: 'meshguard_repartition_copies_dropped_total',
    help: 'Records read from the repartition topic a second time (forwarded again after a replica died before its commit, or read again after a rebalance) and not scored twice.',
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'meshguard_dead_letter_records_total',
    help: 'Records written to the dead-letter topic or file, by destination.',
    labelNames: ['destination'] as const,
    registers: [this.registry],
  });
  readonly consumerLag = new Gauge({
    name: 'meshguard_consumer_lag_messages',
    help: 'Kafka consumer lag (high watermark minus committed offset), by topic.',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });
  readonly pipelineLag = new Gauge({
    name: 'meshguard_pipeline_lag_seconds',
    help: 'Wall-clock time minus the newest event time processed (how far behind live traffic scoring is).',
    registers: [this.registry],
  });
  readonly addressBindings = new Gauge({
    name: 'meshguard_address_bindings',
    help: 'Pod addresses currently bound to a workload (pod-IP file, Kubernetes pod watch, shipper metadata, mTLS peers).',
    registers: [this.registry],
  });
  readonly addressBindingsDropped = new Counter({
    name: 'meshguard_address_bindings_dropped_total',
    help: 'Address bindings dropped: evicted past addresses.max_bindings (least recently seen) or expired.',
    registers: [this.registry],
  });
  private addressDroppedReported = 0;
  /** The binding map's size and its running dropped count (the counter moves by the difference). */
  reportAddressBindings(size: number, dropped: number): void {
    this.addressBindings.set(size);
    if (dropped > this.addressDroppedReported)
      this.addressBindingsDropped.inc(dropped - this.addressDroppedReported);
    this.addressDroppedReported = dropped;
  }
  readonly entitiesTracked = new Gauge({
    name: 'meshguard_entities_tracked',
    help: 'Entities (workloads, edges, external hosts) with live baselines.',
    registers: [this.registry],
  });
  readonly entitiesEvicted = new Counter({
    name: 'meshguard_entities_evicted_total',
    help: 'Tracked entities dropped at the windowing.max_entities cap (least recently seen first).',
    registers: [this.registry],
  });
  readonly windowOverflow = new Counter({
    name: 'meshguard_window_overflow_events_total',
    help: 'Events dropped because their source was new to an open window already holding windowing.max_window_sources sources (a flood of identities).',
    registers: [this.registry],
  });
  readonly detectorScore = new Histogram({
    name: 'meshguard_detector_score',
    help: 'Calibrated detector scores of findings, by detector.',
    labelNames: ['detector'] as const,
    buckets: [0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1],
    registers: [this.registry],
  });
  readonly incidents = new Counter({
    name: 'meshguard_incidents_total',
    help: 'Incidents raised, by kind and severity.',
    labelNames: ['kind', 'severity'] as const,
    registers: [this.registry],
  });
  readonly detectionLatency = new Histogram({
    name: 'meshguard_detection_latency_seconds',
    help: 'Event time of the first suspicious event to the incident being raised.',
    buckets: [1, 5, 10, 20, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly quarantinesActive = new Gauge({
    name: 'meshguard_quarantines_active',
    help: 'Quarantine policies currently in place, by mode (enforce, dry-run, pending-approval).',
    labelNames: ['mode'] as const,
    registers: [this.registry],
  });
  readonly quarantineActions = new Counter({
    name: 'meshguard_quarantine_actions_total',
    help: 'Quarantine actions, by action (apply, release, approve, skip) and result.',
    labelNames: ['action', 'result'] as const,
    registers: [this.registry],
  });
  readonly leastPrivilegeDestinations = new Gauge({
    name: 'meshguard_least_privilege_destinations',
    help: 'Destination workloads by least-privilege coverage: enforced, dry_run (proposed, verifying), uncovered.',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly leastPrivilegeWouldDeny = new Counter({
    name: 'meshguard_least_privilege_would_deny_total',
    help: 'Calls a proposed least-privilege policy in dry-run would have denied (shadow verdicts in access logs, sidecar RBAC shadow stats, Linkerd audit counters), by policy.',
    labelNames: ['policy'] as const,
    registers: [this.registry],
  });
  readonly alertsSent = new Counter({
    name: 'meshguard_alerts_sent_total',
    help: 'Alert notifications delivered, by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly alertsFailed = new Counter({
    name: 'meshguard_alerts_failed_total',
    help: 'Alert notifications that failed for good (after retries), by channel.',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });
  readonly topWorkloadScore = new Gauge({
    name: 'meshguard_workload_anomaly_score',
    help: `Fused anomaly score of the ${TOP_WORKLOADS} most anomalous workloads in the last window.`,
    labelNames: ['workload'] as const,
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'meshguard_dependency_up',
    help: 'Whether a dependency is reachable (1) or not (0), by dependency (kafka, redis, kubernetes).',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly insecureSetting = new Gauge({
    name: 'meshguard_insecure_setting',
    help: 'An explicitly allowed insecure setting in effect (1), by setting: unauthenticated_ingest, unauthenticated_redis, unsigned_webhook.',
    labelNames: ['setting'] as const,
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'meshguard_build_info',
    help: 'Build information; always 1.',
    labelNames: ['version'] as const,
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean; version?: string } = {}) {
    if (opts.defaultMetrics) {
      collectDefaultMetrics({ register: this.registry, prefix: 'meshguard_process_' });
      // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool
      // check metrics rejects them); the same facts are in *_handles / *_requests / *_resources.
      for (const name of [
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_active_resources_total',
      ])
        this.registry.removeSingleMetric(`meshguard_process_${name}`);
    }
    this.buildInfo.set({ version: opts.version ?? '0.1.0' }, 1);
    // Zero coverage is a fact worth graphing (nothing verified yet), not a missing series.
    for (const state of ['enforced', 'dry_run', 'uncovered'])
      this.leastPrivilegeDestinations.set({ state }, 0);
  }

  /** Replace the top-N gauge so series of workloads that left the top N disappear. */
  setTopWorkloads(scores: ReadonlyArray<{ workload: string; score: number }>): void {
    this.topWorkloadScore.reset();
    for (const { workload, score } of scores.slice(0, TOP_WORKLOADS))
      this.topWorkloadScore.set({ workload }, score);
  }
}
