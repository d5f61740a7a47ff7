/** The `http` source's config (the `ingest:` section): who may post, how much, and when to push back. */
import { Type, type Static } from '@sinclair/typebox';

export const IngestConfig = Type.Object(
  {
    token: Type.String({
      default: '',
      description: 'Bearer token required on ingest endpoints (empty = open).',
    }),
    body_limit_bytes: Type.Integer({ default: 10 * 1024 * 1024, minimum: 1024 }),
    max_pending_events: Type.Integer({ default: 100_000, minimum: 1 }),
  },
  { additionalProperties: false, default: {} },
);
export type IngestConfig = Static<typeof IngestConfig>;
