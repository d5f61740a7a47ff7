/**
 * pagerduty: Events API v2 (POST /v2/enqueue). trigger carries the payload; resolve only the dedup key
 * (the incident id), which closes the alert the trigger opened. 202 is accepted, 400 is a bad event
 * (permanent), 429 and 5xx are retried by the delivery helper.
 */
import { createHash } from 'node:crypto';
import type { Delivery } from '../../../core/delivery.js';
import type { Incident, Severity } from '../../../core/incident.js';
import {
  AlertChannel,
  channelContext,
  incidentUrl,
  type ChannelContext,
  type ChannelFactory,
} from '../channel.js';
import { formatAlert, workloadShortName, type AlertEvent } from '../format.js';
import { postJson } from '../http.js';
import { PagerDutyConfig, validatePagerDutyConfig } from './config.js';

/** PagerDuty knows critical, error, warning and info. */
export const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** dedup_key is at most 255 characters; longer ids are hashed (still stable). */
export function pagerDutyDedupKey(incidentId: string): string {
  return incidentId.length <= 255 ? incidentId : createHash('sha256').update(incidentId).digest('hex');
}

export function pagerDutyEvent(
  incident: Incident,
  event: AlertEvent,
  routingKey: string,
  adminUrl: string,
  consoleUrl = adminUrl,
): Record<string, unknown> {
  const dedup_key = pagerDutyDedupKey(incident.id);
  if (event === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const alert = formatAlert(incident, event, { adminUrl, consoleUrl });
  const w = incident.workload as Record<string, string | undefined>;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: alert.summary,
      source: workloadShortName(incident.workload),
      severity: PAGERDUTY_SEVERITY[incident.severity] ?? 'warning',
      timestamp: incident.detectedAt,
      component: w?.serviceAccount ?? w?.workload ?? w?.address ?? 'unknown',
      group: w?.namespace ?? 'unknown',
      class: incident.kind,
      custom_details: {
        who: alert.who,
        what: alert.what,
        evidence: alert.evidence,
        how_sure: alert.howSure,
        done: alert.done,
        undo: alert.undo,
        console: alert.link,
        incident,
      },
    },
    links: [
      { href: alert.link, text: 'Incident in the meshguard console' },
      { href: incidentUrl(adminUrl, incident.id), text: 'Incident in the meshguard admin API' },
    ],
    client: 'meshguard',
    client_url: adminUrl,
  };
}

export class PagerDutyChannel extends AlertChannel {
  constructor(
    ctx: ChannelContext,
    private readonly cfg: Pick<PagerDutyConfig, 'routing_key' | 'url' | 'timeout_ms'>,
  ) {
    super(ctx);
  }

  async respond(incident: Incident, event: AlertEvent, signal: AbortSignal): Promise<Delivery> {
    return postJson({
      channel: this.name,
      url: this.cfg.url,
      body: JSON.stringify(
        pagerDutyEvent(incident, event, this.cfg.routing_key, this.ctx.adminUrl, this.ctx.consoleUrl),
      ),
      timeoutMs: this.cfg.timeout_ms,
      signal,
      secrets: [this.cfg.routing_key],
      now: this.ctx.wallNowMs,
    });
  }
}

export const factory: ChannelFactory<typeof PagerDutyConfig, PagerDutyChannel> = {
  kind: 'responder',
  type: 'pagerduty',
  configSchema: PagerDutyConfig,
  validate: validatePagerDutyConfig,
  create: (config, settings) => new PagerDutyChannel(channelContext(config, settings), config),
};
