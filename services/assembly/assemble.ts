/**
 * The one assembly: every command that scores traffic (serve, demo, replay, eval, and train for its
 * feature rows) builds its pipeline here, from one validated, frozen config. What differs between commands is named by the config (state
 * in Redis or memory, the quarantine sink, the alert channels, the neural model) and by how time runs:
 * the wall clock for live traffic, event time read from the records in a replay.
 *
 *   state store → responders (quarantine, then alerts) → neural model → pipeline ← metric series scorer
 */
import pino, { type Logger } from 'pino';
import type { MeshguardConfig } from '../../config/schema.js';
import { wallClock, type EventClock } from '../../pipelines/core/clock.js';
import type { ComponentSettings } from '../../pipelines/core/component.js';
import type { Incident } from '../../pipelines/core/incident.js';
import { Metrics } from '../../pipelines/core/metrics.js';
import type { MetricSample } from '../../pipelines/metrics/sample.js';
import type { MeshEvent } from '../../pipelines/core/event.js';
import { CallGraph, DEFAULT_CALL_GRAPH_LIMITS } from '../../pipelines/features/call-graph.js';
import { createResponders, type Responders } from '../../pipelines/responders/index.js';
import {
  dependencyProtection,
  type AddressOwnerLookup,
} from '../../pipelines/responders/quarantine/index.js';
import { ObservedCallGraph } from '../../pipelines/responders/quarantine/index.js';
import { createNeuralHook, type NeuralHook } from '../../pipelines/runtime/neural.js';
import { createPipeline, type PipelineOptions } from '../../pipelines/runtime/pipeline.js';
import { WINDOW_DETECTORS } from '../../pipelines/registry/window-detectors.js';
import { createStateStore } from '../../pipelines/state/index.js';

export interface AssemblyOptions {
  /** Event time from the records (replay, eval); omitted: the wall clock (serve, demo). */
  eventClock?: EventClock;
  /** Where an incident goes once the responders decided it (print, write a line, publish). */
  onIncident?: (incident: Incident) => void | Promise<void>;
  /** Default: pino on stderr at `log_level` (stdout is the commands' output). */
  logger?: Logger;
  metrics?: Metrics;
  /**
   * Keep the entities changed since the last snapshot. Default: only with Redis, the store other replicas
   * and a restarted process read. The in-memory store is this process's own: a snapshot there would be a
   * second copy of every entity the pipeline already holds, outliving the entity cap and idle eviction.
   */
  trackDirtyEntities?: boolean;
  /** Score mesh-metric samples too (serve): loads the metric series detectors. */
  metricSeries?: boolean;
  /** Live processes: the responders' quarantine expiry tick once started (replay and demo drive it). */
  expiryIntervalMs?: number;
  /**
   * Which pod an address is bound to now (the runtime's address bindings): an address offender bound to a
   * pod in a protected namespace is never quarantined.
   */
  addressOwner?: AddressOwnerLookup;
  /**
   * Why the scored records could come from anyone (serve with open ingest): every automatic quarantine
   * then waits for approval, since the identities in the records could be forged.
   */
  unauthenticatedInput?: string;
  /** Receives every closed window's feature rows in place of the neural model (`train` collects them). */
  onFeatures?: PipelineOptions['onFeatures'];
  /** Keep each entity's recent windows for the incident console (serve). */
  keepHistory?: boolean;
}

export interface Assembly {
  settings: ComponentSettings;
  responders: Responders;
  pipeline: ReturnType<typeof createPipeline>;
  /** The neural model when `neural.enabled`. */
  neural: NeuralHook | undefined;
  /**
   * With `metricSeries`: a mesh-metric sample through the metric series detectors; their findings join
   * the incidents. With least privilege on: the proxies' shadow and audit counters reach its verifier.
   */
  onMetricSample: ((sample: MetricSample) => void) | undefined;
  /** Stop the model's refits, flush alerts, close the state store. Idempotent. */
  shutdown(): Promise<void>;
}

/** Logs go to stderr: stdout belongs to command output (replay's summary line, demo's incidents). */
export function createLogger(
  level: MeshguardConfig['log_level'],
  bindings: Record<string, string> = {},
): Logger {
  return pino(
    { level, base: { service: 'meshguard', ...bindings } },
    pino.destination({ fd: 2, sync: false }),
  );
}

export async function assemble(
  cfg: Readonly<MeshguardConfig>,
  opts: AssemblyOptions = {},
): Promise<Assembly> {
  const clock = opts.eventClock ?? wallClock;
  const logger = opts.logger ?? createLogger(cfg.log_level);
  const metrics = opts.metrics ?? new Metrics();
  const state = await createStateStore(cfg.redis, { logger, metrics, now: () => clock.nowMs() });
  const settings: ComponentSettings = { logger, clock, metrics, state };
  // Linkerd has no DENY: its quarantine authorizes a server's other callers, learned here from the events
  // this process scores (with several scorers, each knows the calls of the sources it owns).
  const callGraph = cfg.quarantine.mesh === 'linkerd' ? new ObservedCallGraph() : undefined;
  // Graduated containment: a medium offender keeps the edges learned here before its incident. Routes are
  // not needed (the containment is L4), so none are kept.
  const baseline =
    cfg.quarantine.enabled && cfg.quarantine.contain_to_baseline && cfg.quarantine.mesh === 'istio'
      ? new CallGraph({ ...DEFAULT_CALL_GRAPH_LIMITS, maxRoutesPerCaller: 0 })
      : undefined;
  // Which pod an address is bound to now: the pipeline's address bindings (latest, time-bounded), read by
  // the guardrails so that an address bound to a protected pod is never quarantined. The pipeline is
  // built below; the responders only ask once incidents flow.
  const late: { pipeline?: ReturnType<typeof createPipeline> } = {};
  const boundAddressOwner: AddressOwnerLookup = (ip) => {
    const b = late.pipeline?.addressBindings.boundTo(ip, clock.nowMs());
    return b && b.namespace !== '' ? { namespace: b.namespace, pod: b.workload } : undefined;
  };
  const responders = createResponders(cfg, settings, {
    ...(opts.expiryIntervalMs !== undefined ? { expiryIntervalMs: opts.expiryIntervalMs } : {}),
    // meshguard's own dependencies are never quarantined: the namespaces of its Kafka and Redis service
    // names and the addresses of its brokers, its Redis and its API server (in-cluster).
    protection: {
      ...dependencyProtection(
        [...cfg.kafka.brokers, cfg.redis.url, process.env.KUBERNETES_SERVICE_HOST],
        opts.addressOwner ?? boundAddressOwner,
        () => late.pipeline?.addressBindings.podsKnown === true,
      ),
      ...(opts.unauthenticatedInput ? { unauthenticatedInput: opts.unauthenticatedInput } : {}),
    },
    ...(callGraph ? { callers: callGraph } : {}),
    ...(baseline ? { baseline } : {}),
  });
  let neural: NeuralHook | undefined;
  try {
    neural = await createNeuralHook(cfg, logger);
  } catch (error) {
    // Start-up fails, but not with a Redis connection left open behind it.
    await responders.shutdown().catch(() => undefined);
    await state.close().catch(() => undefined);
    throw error;
  }
  const pipeline = createPipeline(
    cfg,
    settings,
    async (incident) => {
      const decided = await responders.handle(incident);
      await opts.onIncident?.(decided);
      return decided;
    },
    {
      ...(opts.eventClock ? {} : { wallNowMs: () => Date.now() }),
      trackDirtyEntities: opts.trackDirtyEntities ?? cfg.redis.url !== '',
      ...(opts.onFeatures
        ? { onFeatures: opts.onFeatures }
        : neural
          ? { onFeatures: neural.onFeatures }
          : {}),
      detectors: WINDOW_DETECTORS,
      ...(callGraph || baseline || responders.leastPrivilege
        ? {
            onEvent: (ev: MeshEvent) => {
              callGraph?.observe(ev);
              baseline?.observe(ev);
              responders.leastPrivilege?.onEvent(ev);
            },
          }
        : {}),
      keepHistory: opts.keepHistory ?? false,
    },
  );
  late.pipeline = pipeline;
  // Loaded only when asked for: an access-log replay has no metric samples to score.
  const metricSeries = opts.metricSeries
    ? new (await import('../../pipelines/metrics/scorer.js')).MetricSeriesScorer({ logger })
    : undefined;
  let closing: Promise<void> | undefined;
  return {
    settings,
    responders,
    pipeline,
    neural,
    onMetricSample:
      metricSeries || responders.leastPrivilege
        ? (sample) => {
            // The sidecars' shadow and audit counters: would-be denials of the dry-run policies.
            responders.leastPrivilege?.onMetricSample(sample);
            const findings = metricSeries?.push(sample) ?? [];
            if (findings.length > 0) pipeline.pushFindings(findings);
          }
        : undefined,
    shutdown() {
      closing ??= (async () => {
        neural?.stop();
        await responders.shutdown().catch(() => undefined);
        await state.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}
