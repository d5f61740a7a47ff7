/** The root configuration schema, assembled from each component's own section. */
import { Type, type Static } from '@sinclair/typebox';
import { DetectorsConfig, WindowingConfig } from '../pipelines/detect/config.js';
import { QuarantineConfig } from '../pipelines/responders/quarantine/config.js';
import { AlertsConfig } from '../pipelines/responders/alerts/config.js';
import { KafkaConfig } from '../pipelines/sources/kafka/config.js';
import { RedisConfig } from '../pipelines/state/config.js';

export const MeshguardConfig = Type.Object(
  {
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log_level: Type.Union(
      [
        Type.Literal('debug'),
        Type.Literal('info'),
        Type.Literal('warn'),
        Type.Literal('error'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
    cluster_domain: Type.String({
      default: 'cluster.local',
      description: 'Hosts under it are inside the mesh.',
    }),
    trust_domain: Type.String({ default: 'cluster.local' }),
    mesh_hosts: Type.Array(Type.String(), {
      default: [],
      description: 'Extra host suffixes that count as inside the mesh (ServiceEntry hosts you own).',
    }),
    windowing: WindowingConfig,
    detectors: DetectorsConfig,
    neural: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        model_dir: Type.String({
          default: '',
          description: 'A model saved by `meshguard train`; empty = learn online.',
        }),
        refit_interval_secs: Type.Integer({ default: 600, minimum: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    incidents: Type.Object(
      {
        dedup_window_secs: Type.Integer({
          default: 3600,
          minimum: 1,
          description: 'One incident per offender and kind within this event-time span.',
        }),
        max_kept: Type.Integer({
          default: 1000,
          minimum: 1,
          description: 'Incidents kept in memory for the API.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    quarantine: QuarantineConfig,
    alerts: AlertsConfig,
    kafka: KafkaConfig,
    redis: RedisConfig,
    ingest: Type.Object(
      {
        token: Type.String({
          default: '',
          description: 'Bearer token required on ingest endpoints (empty = open).',
        }),
        body_limit_bytes: Type.Integer({ default: 10 * 1024 * 1024, minimum: 1024 }),
        max_pending_events: Type.Integer({ default: 100_000, minimum: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    admin: Type.Object(
      {
        token: Type.String({
          default: '',
          description: 'Bearer token for the admin API (empty = read-only).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type MeshguardConfig = Static<typeof MeshguardConfig>;
