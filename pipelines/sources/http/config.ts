/** The `http` source's config (the `ingest:` section): who may post, how much, how fast, and when to push back. */
import { Type, type Static } from '@sinclair/typebox';

export const IngestConfig = Type.Object(
  {
    token: Type.String({
      default: '',
      description:
        'Bearer token required on ingest endpoints. Empty: ingest is open, which `serve` allows only on a loopback address or with allow_unauthenticated.',
    }),
    allow_unauthenticated: Type.Boolean({
      default: false,
      description:
        'Accept ingest without a token on a non-loopback address (anyone who reaches the port can then choose what meshguard sees and whom it quarantines). Warned at start and exported as meshguard_insecure_setting.',
    }),
    body_limit_bytes: Type.Integer({
      default: 10 * 1024 * 1024,
      minimum: 1024,
      description: 'Largest body, on the wire and once decompressed (413).',
    }),
    body_timeout_ms: Type.Integer({
      default: 30_000,
      minimum: 100,
      description: 'The whole body must arrive within this (408, connection closed).',
    }),
    max_buffered_bytes: Type.Integer({
      default: 64 * 1024 * 1024,
      minimum: 1024,
      description: 'Request bodies held in memory at once, across all requests (503 past it).',
    }),
    max_records_per_request: Type.Integer({
      default: 20_000,
      minimum: 1,
      description: 'Records (lines or array items) in one body, counted before any is parsed (413).',
    }),
    max_record_bytes: Type.Integer({
      default: 64 * 1024,
      minimum: 256,
      description: 'Longest single record; a longer one is rejected (dead-lettered) without being parsed.',
    }),
    max_pending_events: Type.Integer({ default: 100_000, minimum: 1 }),
  },
  { additionalProperties: false, default: {} },
);
export type IngestConfig = Static<typeof IngestConfig>;
