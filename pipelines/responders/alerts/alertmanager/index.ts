/**
 * alertmanager: POST <url>/api/v2/alerts with one alert per incident. Alertmanager identifies an alert by
 * its labels, so trigger and resolve carry the same labels; resolve sets endsAt to now. A firing alert gets
 * endsAt = now + expire_after_secs, so it stays firing without periodic re-sends (Alertmanager would
 * otherwise resolve it after its resolve_timeout).
 */
import type { Delivery } from '../../../core/delivery.js';
import type { Incident } from '../../../core/incident.js';
import { AlertChannel, channelContext, type ChannelContext, type ChannelFactory } from '../channel.js';
import { formatAlert, type AlertEvent } from '../format.js';
import { postJson } from '../http.js';
import { AlertmanagerConfig, validateAlertmanagerConfig } from './config.js';

export const ALERT_NAME = 'MeshguardIncident';

export function alertmanagerLabels(incident: Incident): Record<string, string> {
  const w = (incident.workload ?? {}) as Record<string, string | undefined>;
  const labels: Record<string, string | undefined> = {
    alertname: ALERT_NAME,
    kind: incident.kind,
    severity: incident.severity,
    namespace: w.namespace,
    service_account: w.serviceAccount,
    workload: w.workload,
    address: w.address,
    incident_id: incident.id,
  };
  // Alertmanager treats an empty label as absent; leaving it out keeps the fingerprint stable.
  return Object.fromEntries(
    Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );
}

export function alertmanagerAlerts(
  incident: Incident,
  event: AlertEvent,
  opts: { adminUrl: string; consoleUrl?: string; nowMs: number; expireAfterSecs: number },
): Array<Record<string, unknown>> {
  const alert = formatAlert(incident, event, { adminUrl: opts.adminUrl, consoleUrl: opts.consoleUrl });
  const detected = Date.parse(incident.detectedAt);
  const startsMs = Number.isNaN(detected) ? undefined : detected;
  let endsMs: number | undefined;
  if (event === 'resolve') endsMs = opts.nowMs;
  else if (opts.expireAfterSecs > 0) endsMs = opts.nowMs + opts.expireAfterSecs * 1000;
  // Alertmanager rejects endsAt before startsAt (clock skew, or replayed event times ahead of wall time).
  if (endsMs !== undefined && startsMs !== undefined && endsMs < startsMs) endsMs = startsMs;
  return [
    {
      labels: alertmanagerLabels(incident),
      annotations: {
        summary: alert.summary,
        description: alert.text,
        undo: alert.undo,
        console_url: alert.link,
      },
      ...(startsMs !== undefined ? { startsAt: new Date(startsMs).toISOString() } : {}),
      ...(endsMs !== undefined ? { endsAt: new Date(endsMs).toISOString() } : {}),
      generatorURL: alert.link,
    },
  ];
}

export class AlertmanagerChannel extends AlertChannel {
  private readonly endpoint: string;
  constructor(
    ctx: ChannelContext,
    private readonly cfg: Pick<AlertmanagerConfig, 'url' | 'timeout_ms' | 'expire_after_secs'>,
  ) {
    super(ctx);
    this.endpoint = `${cfg.url.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  async respond(incident: Incident, event: AlertEvent, signal: AbortSignal): Promise<Delivery> {
    const body = alertmanagerAlerts(incident, event, {
      adminUrl: this.ctx.adminUrl,
      consoleUrl: this.ctx.consoleUrl,
      nowMs: this.ctx.wallNowMs(),
      expireAfterSecs: this.cfg.expire_after_secs,
    });
    return postJson({
      channel: this.name,
      url: this.endpoint,
      body: JSON.stringify(body),
      timeoutMs: this.cfg.timeout_ms,
      signal,
      secrets: [this.cfg.url],
      now: this.ctx.wallNowMs,
    });
  }
}

export const factory: ChannelFactory<typeof AlertmanagerConfig, AlertmanagerChannel> = {
  kind: 'responder',
  type: 'alertmanager',
  configSchema: AlertmanagerConfig,
  validate: validateAlertmanagerConfig,
  create: (config, settings) => new AlertmanagerChannel(channelContext(config, settings), config),
};
