import { Type, type Static } from '@sinclair/typebox';

export const KafkaConfig = Type.Object(
  {
    brokers: Type.Array(Type.String(), { default: [], description: 'Empty = embedded in-process bus.' }),
    client_id: Type.String({ default: 'meshguard' }),
    group_id: Type.String({ default: 'meshguard-scorer' }),
    topics: Type.Object(
      {
        access_logs: Type.String({ default: 'mesh.access-logs' }),
        metrics: Type.String({ default: 'mesh.metrics' }),
        incidents: Type.String({ default: 'meshguard.incidents' }),
        dlq: Type.String({ default: 'meshguard.dlq' }),
        repartition: Type.String({
          default: 'meshguard.access-logs.by-source',
          description:
            'Internal topic the scorers re-key shipper records through (by source entity); create it with the partition count of access_logs, or let the brokers auto-create it.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    tls: Type.Boolean({ default: false }),
    allow_unauthenticated: Type.Boolean({
      default: false,
      description:
        'Without kafka.sasl, anyone who reaches the brokers can write records as if a shipper did, so every automatic quarantine waits for approval. true: act alone anyway (ACLs and network policies restrict who writes the topics).',
    }),
    sasl: Type.Optional(
      Type.Object(
        {
          mechanism: Type.Union([
            Type.Literal('plain'),
            Type.Literal('scram-sha-256'),
            Type.Literal('scram-sha-512'),
          ]),
          username: Type.String(),
          password: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    max_batch_events: Type.Integer({ default: 5000, minimum: 1 }),
    commit_interval_ms: Type.Integer({
      default: 0,
      minimum: 0,
      description:
        'How often the scorers commit their consumed offsets (never past a record of a window still open); 0 = after every fetched batch. A replica that dies re-reads at most this much more (what the repartition hop forwards again is dropped by its reader as a copy); the benchmark measured no throughput gain from 1000 ms, so every batch is committed by default.',
    }),
    producer_timeout_ms: Type.Integer({ default: 5000, minimum: 1 }),
    idempotent: Type.Boolean({
      default: true,
      description:
        'Idempotent producer (no duplicates from producer retries); needs IDEMPOTENT_WRITE on the cluster.',
    }),
    compression: Type.Union(
      [
        Type.Literal('none'),
        Type.Literal('gzip'),
        Type.Literal('snappy'),
        Type.Literal('lz4'),
        Type.Literal('zstd'),
      ],
      {
        default: 'none',
        description:
          'Compression of the record batches meshguard produces (ingest, the repartition hop, dead letters, incidents). Access logs shrink ~15x with gzip or zstd, ~4x with snappy or lz4; all cost producer CPU. Every codec is read whatever this says.',
      },
    ),
    repartition_compression: Type.Optional(
      Type.Union(
        [
          Type.Literal('none'),
          Type.Literal('gzip'),
          Type.Literal('snappy'),
          Type.Literal('lz4'),
          Type.Literal('zstd'),
        ],
        {
          description:
            'Compression of the repartition hop (topics.repartition) alone; unset = compression. Every record crosses the hop twice (written, read back): none saves the codec CPU but sends ~4x the bytes (socket writes, CRC32C over them, broker disk and retention); lz4 is the cheapest that shrinks them.',
        },
      ),
    ),
    repartition: Type.Boolean({
      default: true,
      description:
        'Re-key shipper records (keyless, or keyed by the emitting pod) by source entity through topics.repartition, so one entity is scored by one replica. Records keyed by meshguard ingest skip it.',
    }),
    connection_timeout_ms: Type.Integer({ default: 3000, minimum: 100 }),
    session_timeout_ms: Type.Integer({
      default: 30_000,
      minimum: 1000,
      description: 'A scorer silent this long leaves the group and its partitions move to the others.',
    }),
    heartbeat_interval_ms: Type.Integer({ default: 3000, minimum: 100 }),
    from_beginning: Type.Boolean({
      default: false,
      description:
        'Where a new consumer group starts: the oldest retained record (true) or new records only.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type KafkaConfig = Static<typeof KafkaConfig>;
