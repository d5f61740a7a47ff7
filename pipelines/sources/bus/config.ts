/**
 * The embedded bus as a source. It has no section of its own in the meshguard config: the assembly
 * fills it from `kafka.topics` and `kafka.max_batch_events` (the bus stands in for Kafka) and from
 * `ingest.max_pending_events` (the bound ingest pushes back at).
 */
import { Type, type Static } from '@sinclair/typebox';

export const BusConfig = Type.Object(
  {
    topics: Type.Array(Type.String(), {
      default: ['mesh.access-logs', 'mesh.metrics'],
      description: 'Topics whose records the source hands to the scorer.',
    }),
    max_pending_events: Type.Integer({
      default: 100_000,
      minimum: 1,
      description: 'Undelivered records one subscription may hold; a send beyond it is refused (429).',
    }),
    max_batch_events: Type.Integer({ default: 5000, minimum: 1, description: 'Records per hand-off.' }),
  },
  { additionalProperties: false, default: {} },
);
export type BusConfig = Static<typeof BusConfig>;
