/**
 * The alert dispatcher: routes each incident to the channels whose severity and kind filters match, sends
 * each incident+event at most once per channel (the mark lives in the shared StateStore, so replicas agree),
 * and hands delivery to one DeliveryQueue per channel (retries, backoff, dead-letter: runtime/delivery.ts).
 */
import { MeshguardError } from '../../core/errors.js';
import type { ComponentSettings, Responder } from '../../core/component.js';
import type { Incident } from '../../core/incident.js';
import { DeliveryQueue, type Sleep } from '../../runtime/delivery.js';
import { channelName, routes } from './channel-config.js';
import { createChannel } from './channels.js';
import type { AlertsConfig, ChannelConfig } from './config.js';
import { DeliveryLog, type DeliveryRecord } from './delivery-log.js';
import type { AlertEvent } from './format.js';
import { validateAlertsConfig } from './validate.js';

export interface AlertDispatcher {
  notify(incident: Incident, event: 'trigger' | 'resolve'): Promise<void>;
  shutdown(): Promise<void>;
  /** What became of the alerts this process sent for one incident (absent on test doubles). */
  deliveries?(incidentId: string): DeliveryRecord[];
}

/** The dispatcher as built, with drain() for callers that must wait for delivery (replay's end, tests). */
export interface AlertDispatcherHandle extends AlertDispatcher {
  /** Resolves when every queued alert has been delivered or dead-lettered. */
  drain(): Promise<void>;
  /** The channel names, in configuration order. */
  readonly channels: readonly string[];
  /** What became of the alerts this process sent for one incident. */
  deliveries(incidentId: string): DeliveryRecord[];
}

/** Test seams and process wiring; production needs none of them. */
export interface AlertDispatcherDeps {
  sleep?: Sleep;
  random?: () => number;
  /** Wall clock for transport timestamps and dead-letter records (default Date.now). */
  wallNowMs?: () => number;
  /** Where the console channel writes (default stdout). */
  write?: (text: string) => void;
}

/** Key prefix of the "already sent" marks in the StateStore. */
export const DEDUP_PREFIX = 'meshguard:alerts:sent:';

interface Job {
  incident: Incident;
  event: AlertEvent;
  dedupKey: string;
}

interface Channel {
  name: string;
  cfg: ChannelConfig;
  responder: Responder;
  queue: DeliveryQueue<Job>;
}

function looksLikeIncident(value: unknown): value is Incident {
  const i = value as Partial<Incident> | null;
  return (
    !!i &&
    typeof i === 'object' &&
    typeof i.id === 'string' &&
    i.id !== '' &&
    typeof i.kind === 'string' &&
    typeof i.severity === 'string'
  );
}

/** Start-up fails here (MESHGUARD_ERR_CONFIG_INVALID, every problem listed) on duplicate names, bad URLs or secrets. */
export function createAlertDispatcher(
  cfg: AlertsConfig,
  settings: ComponentSettings,
  deps: AlertDispatcherDeps = {},
): AlertDispatcherHandle {
  const problems = validateAlertsConfig(cfg);
  if (problems.length)
    throw new MeshguardError('MESHGUARD_ERR_CONFIG_INVALID', 'Invalid alerts configuration', problems);

  const logger = settings.logger.child({ component: 'alerts' });
  const wallNowMs = deps.wallNowMs ?? Date.now;
  const dedupTtlMs = cfg.dedup_ttl_secs * 1000;
  const retry = {
    maxAttempts: cfg.retry.max_attempts,
    initialBackoffMs: cfg.retry.initial_backoff_ms,
    maxBackoffMs: cfg.retry.max_backoff_ms,
    maxRetryAfterMs: cfg.retry.max_retry_after_ms,
  };

  const log = new DeliveryLog(wallNowMs);
  const forget = async (job: Job): Promise<void> => {
    // A failed alert may be tried again by a later notify (a re-raised incident, a retried release).
    try {
      await settings.state.delete(job.dedupKey);
    } catch (error) {
      logger.warn({ error: (error as Error).message }, 'Cannot clear the dedup mark of a failed alert.');
    }
  };

  const channels: Channel[] = cfg.channels.map((channelCfg) => {
    const name = channelName(channelCfg);
    const responder = createChannel(channelCfg, {
      ...settings,
      name,
      adminUrl: cfg.admin_url,
      consoleUrl: cfg.console_url,
      wallNowMs,
      write: deps.write,
    });
    const queue = new DeliveryQueue<Job>({
      channel: name,
      send: (job, signal) => responder.respond(job.incident, job.event, signal),
      retry,
      maxQueue: cfg.max_queue_alerts,
      logger,
      counters: { sent: settings.metrics.alertsSent, failed: settings.metrics.alertsFailed },
      deadLetterCounter: settings.metrics.deadLettered,
      deadLetterFile: cfg.dead_letter_file,
      // Log fields and dead-letter records carry the incident, never the channel's URL or secrets.
      describe: (job) => ({
        record: { incident_id: job.incident.id, event: job.event, incident: job.incident },
        fields: { incident_id: job.incident.id, event: job.event },
      }),
      onDelivered: (job, attempts) => log.delivered(job.incident.id, name, job.event, attempts),
      onDeadLetter: async (job, reason) => {
        log.failed(job.incident.id, name, job.event, reason);
        await forget(job);
      },
      sleep: deps.sleep,
      random: deps.random,
      now: wallNowMs,
    });
    return { name, cfg: channelCfg, responder, queue };
  });

  for (const c of channels)
    c.responder
      .start()
      .catch((error: unknown) =>
        logger.error({ channel: c.name, error: (error as Error).message }, 'Channel did not start.'),
      );

  let stopped = false;
  let stopping: Promise<void> | undefined;

  async function notify(incident: Incident, event: AlertEvent): Promise<void> {
    try {
      if (!looksLikeIncident(incident) || (event !== 'trigger' && event !== 'resolve')) {
        for (const c of channels) settings.metrics.alertsFailed.inc({ channel: c.name });
        logger.error(
          { event: String(event) },
          'Not an incident (id, kind and severity are required); alert set aside.',
        );
        return;
      }
      if (stopped) {
        for (const c of channels)
          if (routes(c.cfg, incident)) settings.metrics.alertsFailed.inc({ channel: c.name });
        logger.error({ incident_id: incident.id, event }, 'Alert after shutdown; not sent.');
        return;
      }
      await Promise.all(
        channels.map(async (c) => {
          if (!routes(c.cfg, incident)) return;
          const dedupKey = `${DEDUP_PREFIX}${c.name}:${incident.id}:${event}`;
          let first = true;
          try {
            // Claimed before sending: of two replicas (or two calls) only one enqueues.
            first = await settings.state.setIfAbsent(
              dedupKey,
              new Date(wallNowMs()).toISOString(),
              dedupTtlMs,
            );
          } catch (error) {
            // Better a duplicate alert than a lost one while the state store is down.
            logger.warn(
              { channel: c.name, error: (error as Error).message },
              'Dedup store unavailable; sending anyway.',
            );
          }
          if (!first) {
            logger.debug(
              { channel: c.name, incident_id: incident.id, event },
              'Already sent on this channel; skipped.',
            );
            return;
          }
          log.queued(incident.id, c.name, event);
          c.queue.enqueue({ incident, event, dedupKey });
        }),
      );
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'Alert dispatch failed.');
    }
  }

  async function drain(): Promise<void> {
    await Promise.all(channels.map((c) => c.queue.drain()));
  }

  async function shutdown(): Promise<void> {
    stopped = true;
    stopping ??= (async () => {
      const deadline = cfg.shutdown_timeout_ms;
      await Promise.all(channels.map((c) => c.queue.shutdown(deadline)));
      await Promise.all(
        channels.map((c) =>
          c.responder
            .shutdown()
            .catch((error: unknown) =>
              logger.error({ channel: c.name, error: (error as Error).message }, 'Channel shutdown failed.'),
            ),
        ),
      );
    })();
    await stopping;
  }

  return {
    notify,
    shutdown,
    drain,
    channels: channels.map((c) => c.name),
    deliveries: (incidentId) => log.for(incidentId),
  };
}
