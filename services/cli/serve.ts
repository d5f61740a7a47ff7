/**
 * `meshguard serve [--config FILE] [--role ingest|scorer|all] [--port N]`: the command line of the
 * service. It loads the config (the port flag is an override), then runs services/service.ts until
 * SIGTERM or SIGINT and resolves 0. Only main() exits.
 */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../config/load.js';
import { finishesWithin } from '../deadline.js';
import { Service, type Role } from '../service.js';
import { parsePort, usageError } from './args.js';

const HELP = `meshguard serve [--config FILE] [--role ingest|scorer|all] [--port N]

Runs the service. Kafka when kafka.brokers / MESHGUARD_KAFKA_BROKERS is set (else an in-process bus and
every role in this process), Redis when redis.url / MESHGUARD_REDIS_URL is set (else memory).
Environment overrides: MESHGUARD_KAFKA_BROKERS, MESHGUARD_REDIS_URL, MESHGUARD_INGEST_TOKEN,
MESHGUARD_ADMIN_TOKEN, MESHGUARD_POLICIES_DIR.`;

const usage = (message: string) => usageError(`${message}\n\n${HELP}`);

/** Shutdown finishes well inside Kubernetes' default 30 s termination grace period, even with Kafka gone. */
const SHUTDOWN_GRACE_MS = 15_000;

export interface ServeArgs {
  config?: string;
  role: Role;
  port?: number;
  help: boolean;
}

export function parseServeArgs(argv: string[]): ServeArgs {
  let values: { config?: string; role?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        role: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  const role = values.role ?? 'all';
  if (role !== 'ingest' && role !== 'scorer' && role !== 'all')
    throw usage(`--role: must be ingest, scorer or all, not "${role}"`);
  let port: number | undefined;
  try {
    port = parsePort(values.port);
  } catch (error) {
    throw usage((error as Error).message);
  }
  return {
    ...(values.config ? { config: values.config } : {}),
    role,
    ...(port !== undefined ? { port } : {}),
    help: !!values.help,
  };
}

export async function runServe(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const cfg = await loadConfig({
    file: args.config,
    overrides: args.port !== undefined ? { http: { port: args.port } } : {},
  });
  if (cfg.kafka.brokers.length === 0 && args.role !== 'all')
    throw usage(
      `--role ${args.role} needs Kafka (kafka.brokers or MESHGUARD_KAFKA_BROKERS); without it every role runs in one process`,
    );

  // Synchronous logging: the lines before a crash are the ones an operator needs.
  const logger = pino(
    { level: cfg.log_level, base: { service: 'meshguard', role: args.role } },
    pino.destination({ fd: 2, sync: true }),
  );
  const service = new Service(cfg, args.role, logger);
  try {
    await service.start();
  } catch (error) {
    logger.error({ error: (error as Error).message }, 'Start-up failed');
    await service.stop();
    throw error;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'Shutting down');
  if (!(await finishesWithin(service.stop(), SHUTDOWN_GRACE_MS)))
    // What was not committed is read again by the group's next owner (at least once).
    logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'Shutdown overran its grace period; exiting anyway');
  else logger.info('Stopped');
  return 0;
}
