/** Event-time windowing (root config `windowing`): how records are cut into windows and baselines warm up. */
import { Type, type Static } from '@sinclair/typebox';

export const WindowingConfig = Type.Object(
  {
    window_secs: Type.Number({
      default: 10,
      minimum: 1,
      description: 'Tumbling window length in event time.',
    }),
    allowed_lateness_secs: Type.Number({
      default: 5,
      minimum: 0,
      description: 'How far out of order a record may arrive and still count in its window.',
    }),
    early_decisions: Type.Boolean({
      default: true,
      description:
        'Run the detectors when a window ends, not only when it closes after the allowed lateness: an attack is raised up to allowed_lateness_secs sooner. Baselines still learn from the closed window.',
    }),
    learning_secs: Type.Number({
      default: 120,
      minimum: 0,
      description: 'Per-entity learning period before its detectors may raise incidents.',
    }),
    partition_idle_secs: Type.Number({
      default: 60,
      minimum: 1,
      description:
        "Kafka mode: an input (a partition, or one upstream partition inside the repartition topic) silent this long stops holding its partition's event time back (as Flink's withIdleness). Longer than kafka.session_timeout_ms plus a rebalance (up to the larger of the session timeout and 10 s), so a dead replica's backlog still arrives in time when its partitions move; each rebalance restarts it.",
    }),
    max_out_of_orderness_secs: Type.Number({
      default: 0,
      minimum: 0,
      description:
        "Kafka mode: how far records within one partition may be out of order; each partition's watermark trails its newest record by this much (allowed_lateness_secs still applies on top).",
    }),
    entity_idle_secs: Type.Number({
      default: 3600,
      minimum: 60,
      description: 'Entities silent this long are evicted (their baseline is snapshotted first).',
    }),
    max_entities: Type.Integer({
      default: 200_000,
      minimum: 1,
      description:
        'Hard cap on tracked entities: past it the least recently seen is dropped (meshguard_entities_evicted_total), so a flood of identities cannot exhaust memory.',
    }),
    max_window_sources: Type.Integer({
      default: 50_000,
      minimum: 1,
      description:
        'Sources one open window holds at most: past it an event of a source new to that window is dropped (meshguard_window_overflow_events_total), so a flood cannot fill the open windows before they close. Sources already in the window keep counting.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type WindowingConfig = Static<typeof WindowingConfig>;
