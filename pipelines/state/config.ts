import { Type, type Static } from '@sinclair/typebox';

export const RedisConfig = Type.Object(
  {
    url: Type.String({ default: '', description: 'Empty = in-memory state (embedded mode).' }),
    tls: Type.Boolean({ default: false, description: 'TLS to Redis (also implied by a rediss:// URL).' }),
    username: Type.String({ default: '', description: 'Redis ACL user (empty = the default user).' }),
    password: Type.String({
      default: '',
      description: 'Redis password (or MESHGUARD_REDIS_PASSWORD); a password in the URL works too.',
    }),
    allow_unauthenticated: Type.Boolean({
      default: false,
      description:
        'Start even when Redis accepts clients without a password (whoever can write it can spend the quarantine cap and erase the ledger). Warned at start and exported as meshguard_insecure_setting.',
    }),
    key_prefix: Type.String({ default: 'meshguard:' }),
    snapshot_interval_secs: Type.Integer({ default: 30, minimum: 1 }),
  },
  { additionalProperties: false, default: {} },
);
export type RedisConfig = Static<typeof RedisConfig>;
