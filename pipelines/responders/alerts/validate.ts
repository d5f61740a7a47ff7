/**
 * Checks of the alerts section that a schema cannot express. Kept apart from the schema so that the
 * processes that only send alerts do not load the schema builder.
 */
import type { AlertsConfig, ChannelConfig } from './config.js';
import { decodeWebhookSecret } from './webhook/signature.js';

/** The name a channel goes by in metrics, logs and dedup keys. */
export function channelName(channel: ChannelConfig): string {
  return channel.name ?? channel.type;
}

function checkUrl(value: string, where: string, errors: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The value itself is not repeated: Slack and webhook URLs carry secrets in their path.
    errors.push(`${where}: not an absolute URL`);
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    errors.push(`${where}: must be an http or https URL`);
}

/**
 * Cross-field rules the schema cannot express, every error at once, each naming its key:
 * unique channel names, absolute http(s) URLs, well-formed signing secrets, backoff bounds.
 */
export function validateAlertsConfig(cfg: AlertsConfig, path = 'alerts'): string[] {
  const errors: string[] = [];
  const seen = new Map<string, number>();
  cfg.channels.forEach((channel, i) => {
    const at = `${path}.channels[${i}]`;
    const name = channelName(channel);
    const first = seen.get(name);
    if (first !== undefined)
      errors.push(
        `${at}.name: duplicate channel name "${name}" (also channels[${first}]; give each ${channel.type} channel its own name)`,
      );
    else seen.set(name, i);
    if (channel.type !== 'console') checkUrl(channel.url, `${at}.url`, errors);
    if (channel.type === 'webhook' && channel.secret !== undefined) {
      const decoded = decodeWebhookSecret(channel.secret);
      if ('error' in decoded) errors.push(`${at}.secret: ${decoded.error}`);
    }
    if (channel.type === 'pagerduty' && channel.routing_key.trim() === '')
      errors.push(`${at}.routing_key: must not be empty`);
  });
  if (cfg.retry.max_backoff_ms < cfg.retry.initial_backoff_ms)
    errors.push(`${path}.retry.max_backoff_ms: must be at least retry.initial_backoff_ms`);
  checkUrl(cfg.admin_url, `${path}.admin_url`, errors);
  return errors;
}
