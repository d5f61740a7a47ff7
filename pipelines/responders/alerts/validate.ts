/**
 * Checks of the alerts section that a schema cannot express, every error at once, each naming its key:
 * unique channel names, each channel's own rules (absolute http(s) URLs, well-formed signing secrets, a
 * routing key), backoff bounds and the admin URL.
 */
import { channelName, urlErrors } from './channel-config.js';
import { channelBinding } from './channels.js';
import type { AlertsConfig } from './config.js';

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
    for (const error of channelBinding(channel).validate()) errors.push(`${at}.${error}`);
  });
  if (cfg.retry.max_backoff_ms < cfg.retry.initial_backoff_ms)
    errors.push(`${path}.retry.max_backoff_ms: must be at least retry.initial_backoff_ms`);
  errors.push(...urlErrors(cfg.admin_url, `${path}.admin_url`));
  if (cfg.console_url) errors.push(...urlErrors(cfg.console_url, `${path}.console_url`));
  return errors;
}
