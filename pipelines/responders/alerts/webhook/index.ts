/**
 * webhook: the Incident as generic JSON plus `event: "trigger" | "resolve"`, signed per Standard Webhooks
 * when a secret is configured (headers webhook-id, webhook-timestamp, webhook-signature).
 */
import type { Delivery } from '../../../core/delivery.js';
import type { Incident } from '../../../core/incident.js';
import { AlertChannel, channelContext, type ChannelContext, type ChannelFactory } from '../channel.js';
import { consoleIncidentUrl, type AlertEvent } from '../format.js';
import { postJson } from '../http.js';
import { WebhookConfig, validateWebhookConfig } from './config.js';
import { decodeWebhookSecret, signStandardWebhook, webhookMessageId } from './signature.js';

export class WebhookChannel extends AlertChannel {
  private readonly key: Buffer | undefined;
  constructor(
    ctx: ChannelContext,
    private readonly cfg: Pick<WebhookConfig, 'url' | 'secret' | 'timeout_ms'>,
  ) {
    super(ctx);
    if (cfg.secret !== undefined) {
      const decoded = decodeWebhookSecret(cfg.secret);
      // validateWebhookConfig rejects bad secrets at start-up; this guards direct construction.
      if ('error' in decoded) throw new Error(`${ctx.name}: secret ${decoded.error}`);
      this.key = decoded.key;
    }
  }

  /** The request body: the Incident plus the event and the link to its page in the console. */
  static body(incident: Incident, event: AlertEvent, consoleUrl?: string): string {
    return JSON.stringify({
      event,
      ...incident,
      ...(consoleUrl ? { consoleUrl: consoleIncidentUrl(consoleUrl, incident.id) } : {}),
    });
  }

  async respond(incident: Incident, event: AlertEvent, signal: AbortSignal): Promise<Delivery> {
    const body = WebhookChannel.body(incident, event, this.ctx.consoleUrl);
    const id = webhookMessageId(incident.id, event);
    // Signed at each attempt with the current time: receivers reject stale timestamps, and the id stays the same.
    const timestamp = Math.floor(this.ctx.wallNowMs() / 1000);
    const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestamp) };
    if (this.key) headers['webhook-signature'] = signStandardWebhook(this.key, id, timestamp, body);
    return postJson({
      channel: this.name,
      url: this.cfg.url,
      body,
      headers,
      timeoutMs: this.cfg.timeout_ms,
      signal,
      secrets: this.cfg.secret ? [this.cfg.secret] : [],
      now: this.ctx.wallNowMs,
    });
  }
}

export const factory: ChannelFactory<typeof WebhookConfig, WebhookChannel> = {
  kind: 'responder',
  type: 'webhook',
  configSchema: WebhookConfig,
  validate: validateWebhookConfig,
  create: (config, settings) => new WebhookChannel(channelContext(config, settings), config),
};
