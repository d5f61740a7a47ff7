/**
 * What `serve` checks before it takes traffic: the settings under which anyone on the network could
 * choose what meshguard sees or whom it quarantines. Each is refused at start with the fix named, unless
 * the config allows it explicitly; an allowed one is warned about and exported as
 * meshguard_insecure_setting{setting} = 1, so a dashboard shows it for as long as it lasts.
 */
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { MeshguardConfig } from '../config/schema.js';
import { MeshguardError } from '../pipelines/core/errors.js';
import type { Metrics } from '../pipelines/core/metrics.js';
import { probeAnonymousAccess } from '../pipelines/state/redis-auth.js';

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * Why the records this deployment scores could come from anyone, or undefined when every way in is
 * authenticated: ingest open to the network (ingest.allow_unauthenticated, no token), or Kafka without SASL
 * (unless kafka.allow_unauthenticated vouches for its ACLs). The config is shared by
 * every role, so a scorer reading what an open ingest replica produced knows it too. Then the identities
 * in the records could be forged, and an automatic quarantine waits for a person.
 */
export function unauthenticatedInput(cfg: Readonly<MeshguardConfig>): string | undefined {
  if (cfg.ingest.token === '' && cfg.ingest.allow_unauthenticated && !isLoopback(cfg.http.host))
    return `ingest accepts records from anyone on ${cfg.http.host} (ingest.allow_unauthenticated, no ingest.token)`;
  if (cfg.kafka.brokers.length > 0 && cfg.kafka.sasl === undefined && !cfg.kafka.allow_unauthenticated)
    return 'Kafka takes records from anyone who reaches the brokers (no kafka.sasl; kafka.allow_unauthenticated: true if ACLs restrict who writes)';
  return undefined;
}

export interface PostureDeps {
  logger: Logger;
  metrics: Metrics;
  /** Whether this process serves the ingest endpoints (roles ingest and all). */
  servesIngest: boolean;
}

/** Throws MESHGUARD_ERR_INSECURE naming every refused setting at once; warns about the allowed ones. */
export async function checkPosture(cfg: Readonly<MeshguardConfig>, deps: PostureDeps): Promise<void> {
  const { logger, metrics } = deps;
  const refused: string[] = [];
  const allowed = (setting: string, message: string): void => {
    metrics.insecureSetting.set({ setting }, 1);
    logger.warn({ setting }, message);
  };

  if (deps.servesIngest && cfg.ingest.token === '' && !isLoopback(cfg.http.host)) {
    if (cfg.ingest.allow_unauthenticated)
      allowed(
        'unauthenticated_ingest',
        `Ingest is open to anyone who reaches ${cfg.http.host}:${cfg.http.port} (ingest.allow_unauthenticated): they choose what meshguard sees and whom it quarantines. Set ingest.token.`,
      );
    else
      refused.push(
        `ingest.token: ingest on ${cfg.http.host} (not a loopback address) needs a token (ingest.token or MESHGUARD_INGEST_TOKEN); anyone who can post records can aim quarantine at any workload. Listen on 127.0.0.1, or set ingest.allow_unauthenticated: true to accept the risk`,
      );
  }

  if (cfg.redis.url) {
    const access = await probeAnonymousAccess(cfg.redis);
    if (access === 'open') {
      if (cfg.redis.allow_unauthenticated)
        allowed(
          'unauthenticated_redis',
          'Redis accepts clients without a password (redis.allow_unauthenticated): whoever reaches it can spend the quarantine cap and erase the ledger. Set requirepass and redis.password.',
        );
      else
        refused.push(
          'redis.password: Redis accepts clients without a password, so whoever reaches it can spend the quarantine cap or erase the ledger. Configure requirepass (or an ACL user) and set redis.password / MESHGUARD_REDIS_PASSWORD, or set redis.allow_unauthenticated: true to accept the risk',
        );
    } else if (access === 'unreachable')
      logger.warn(
        { dependency: 'redis' },
        'Could not check whether Redis requires a password (unreachable at start-up)',
      );
  }

  // Kafka has no anonymous probe as cheap as Redis's PING: the config says whether meshguard authenticates.
  if (cfg.kafka.brokers.length > 0 && (cfg.kafka.sasl === undefined || !cfg.kafka.tls))
    allowed(
      'unauthenticated_kafka',
      `Kafka is reached ${cfg.kafka.sasl ? 'with SASL but without TLS' : 'without SASL'}${cfg.kafka.tls ? '' : ' in plaintext'}: unless ACLs and network policies restrict the brokers, whoever reaches them can write records as if a shipper did${cfg.kafka.sasl || cfg.kafka.allow_unauthenticated ? '' : ', so every automatic quarantine waits for approval (kafka.allow_unauthenticated: true if ACLs restrict who writes)'}. Set kafka.sasl (password from MESHGUARD_KAFKA_SASL_PASSWORD) and kafka.tls.`,
    );

  const unsigned = cfg.alerts.channels.filter((c) => c.type === 'webhook' && !('secret' in c && c.secret));
  if (unsigned.length)
    allowed(
      'unsigned_webhook',
      `${unsigned.length} webhook channel(s) have no signing secret: receivers cannot tell meshguard's alerts from forged ones. Set secret (whsec_...).`,
    );

  if (refused.length)
    throw new MeshguardError(
      'MESHGUARD_ERR_INSECURE',
      'Refusing to start with an insecure configuration',
      refused,
    );
}
