/**
 * The root configuration schema, assembled from each component's own section. Only what the processes
 * themselves read (HTTP listener, log level, admin API) is declared here.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DetectorsConfig } from '../pipelines/detect/config.js';
import { WindowingConfig } from '../pipelines/features/config.js';
import { IncidentsConfig } from '../pipelines/incidents/config.js';
import { MeshNamingConfig } from '../pipelines/parse/config.js';
import { IngestConfig } from '../pipelines/sources/http/config.js';
import { NeuralConfig } from '../models/neural/autoencoder/service-config.js';
import { QuarantineConfig } from '../pipelines/responders/quarantine/config.js';
import { LeastPrivilegeConfig } from '../pipelines/responders/least-privilege/config.js';
import { AlertsConfig } from '../pipelines/responders/alerts/config.js';
import { KafkaConfig } from '../pipelines/sources/kafka/config.js';
import { RedisConfig } from '../pipelines/state/config.js';
import { AddressesConfig } from '../pipelines/runtime/address-config.js';

export const MeshguardConfig = Type.Object(
  {
    http: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
        max_connections: Type.Integer({
          default: 512,
          minimum: 1,
          description: 'Open connections at once; past it new ones are closed on arrival.',
        }),
        idle_timeout_ms: Type.Integer({
          default: 30_000,
          minimum: 100,
          description: 'A connection that sends nothing for this long is closed.',
        }),
        request_timeout_ms: Type.Integer({
          default: 60_000,
          minimum: 100,
          description: 'A request (headers and body) must have arrived within this (408).',
        }),
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
    ...MeshNamingConfig,
    windowing: WindowingConfig,
    detectors: DetectorsConfig,
    neural: NeuralConfig,
    incidents: IncidentsConfig,
    addresses: AddressesConfig,
    quarantine: QuarantineConfig,
    least_privilege: LeastPrivilegeConfig,
    alerts: AlertsConfig,
    kafka: KafkaConfig,
    redis: RedisConfig,
    ingest: IngestConfig,
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
