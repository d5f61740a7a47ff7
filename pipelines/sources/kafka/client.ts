/** One place that turns the `kafka:` config into a kafkajs client whose logs go through pino. */
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { registerKafkaCodecs } from './codecs.js';
import type { KafkaConfig } from './config.js';
import { fixKafkajsRequestQueue } from './request-queue-fix.js';

export function createKafka(cfg: KafkaConfig, logger: Logger): Kafka {
  registerKafkaCodecs();
  fixKafkajsRequestQueue();
  const log = logger.child({ component: 'kafka' });
  const sasl: SASLOptions | undefined = cfg.sasl
    ? ({
        mechanism: cfg.sasl.mechanism,
        username: cfg.sasl.username,
        password: cfg.sasl.password,
      } as SASLOptions)
    : undefined;
  return new Kafka({
    clientId: cfg.client_id,
    brokers: cfg.brokers,
    ssl: cfg.tls,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: cfg.connection_timeout_ms,
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        if (level === logLevel.ERROR) log.error(fields, message);
        else if (level === logLevel.WARN) log.warn(fields, message);
        else if (level === logLevel.INFO) log.info(fields, message);
        else log.debug(fields, message);
      },
  });
}
