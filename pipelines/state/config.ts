import { Type, type Static } from '@sinclair/typebox';

export const RedisConfig = Type.Object(
  {
    url: Type.String({ default: '', description: 'Empty = in-memory state (embedded mode).' }),
    tls: Type.Boolean({ default: false }),
    key_prefix: Type.String({ default: 'meshguard:' }),
    snapshot_interval_secs: Type.Integer({ default: 30, minimum: 1 }),
  },
  { additionalProperties: false, default: {} },
);
export type RedisConfig = Static<typeof RedisConfig>;
