/**
 * The `alerts:` section: the channels (each declared in its own folder's config.ts), retries, queueing,
 * dedup and the admin URL used in undo instructions. Cross-field rules are in validate.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AlertmanagerConfig } from './alertmanager/config.js';
import { ConsoleConfig } from './console/config.js';
import { PagerDutyConfig } from './pagerduty/config.js';
import { SlackConfig } from './slack/config.js';
import { WebhookConfig } from './webhook/config.js';

/** The admin API meshguard's alerts and undo instructions point at when alerts.admin_url is not set. */
export const DEFAULT_ADMIN_URL = 'http://localhost:8080';

export const ChannelConfig = Type.Union([
  ConsoleConfig,
  WebhookConfig,
  SlackConfig,
  PagerDutyConfig,
  AlertmanagerConfig,
]);
export type ChannelConfig = Static<typeof ChannelConfig>;

export const AlertsConfig = Type.Object(
  {
    channels: Type.Array(ChannelConfig, { default: [{ type: 'console' }] }),
    retry: Type.Object(
      {
        max_attempts: Type.Integer({ default: 5, minimum: 1 }),
        initial_backoff_ms: Type.Integer({ default: 500, minimum: 1 }),
        max_backoff_ms: Type.Integer({ default: 30000, minimum: 1 }),
        max_retry_after_ms: Type.Integer({
          default: 300000,
          minimum: 0,
          description: 'A Retry-After longer than this is cut to this.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    max_queue_alerts: Type.Integer({
      default: 1000,
      minimum: 1,
      description: 'Alerts waiting per channel; beyond it they are dead-lettered.',
    }),
    dedup_ttl_secs: Type.Integer({
      default: 7 * 24 * 3600,
      minimum: 60,
      description: 'How long "incident+event already sent on this channel" is remembered.',
    }),
    shutdown_timeout_ms: Type.Integer({
      default: 5000,
      minimum: 0,
      description: 'Time given to the queues to flush on shutdown; what is left is dead-lettered.',
    }),
    dead_letter_file: Type.Optional(
      Type.String({ description: 'Alerts that failed for good are appended here.' }),
    ),
    /** Base URL of the admin API, used in the undo instructions of alerts. */
    admin_url: Type.String({ default: DEFAULT_ADMIN_URL }),
    console_url: Type.String({
      default: '',
      description:
        'External base URL of the incident console (https://meshguard.example.com); every alert links to <console_url>/ui/incidents/<id>. Empty: admin_url.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;
