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
      },
      { additionalProperties: false, default: {} },
    ),
    tls: Type.Boolean({ default: false }),
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
    producer_timeout_ms: Type.Integer({ default: 5000, minimum: 1 }),
    idempotent: Type.Boolean({
      default: true,
      description:
        'Idempotent producer (no duplicates from producer retries); needs IDEMPOTENT_WRITE on the cluster.',
    }),
    compression: Type.Union([Type.Literal('none'), Type.Literal('gzip'), Type.Literal('snappy')], {
      default: 'none',
      description:
        'Compression of the record batches meshguard produces (ingest, dead letters, incidents). Access logs shrink ~15x with gzip, ~4x with snappy; both cost producer CPU.',
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
