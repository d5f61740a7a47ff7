import { Type, type Static } from '@sinclair/typebox';

const Severity = Type.Union([
  Type.Literal('low'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('critical'),
]);
const Kind = Type.Union([
  Type.Literal('unauthorized_access'),
  Type.Literal('exfiltration'),
  Type.Literal('lateral_movement'),
  Type.Literal('scanning'),
  Type.Literal('anomaly'),
]);

const routing = {
  name: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Channel name in metrics and logs; defaults to the type. Must be unique.',
    }),
  ),
  min_severity: {
    ...Severity,
    default: 'low',
    description: 'Incidents below this severity are not sent here.',
  },
  kinds: Type.Optional(Type.Array(Kind, { minItems: 1, description: 'Only these kinds; all when absent.' })),
  timeout_ms: Type.Integer({ default: 5000, minimum: 1, description: 'Per attempt.' }),
};

export const ChannelConfig = Type.Union([
  Type.Object({ type: Type.Literal('console'), ...routing }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('webhook'),
      // No `format: 'uri'`: TypeBox rejects unregistered formats; URLs are checked in validateAlertsConfig().
      url: Type.String({ minLength: 1 }),
      secret: Type.Optional(
        Type.String({
          description: 'Standard Webhooks signing secret, "whsec_" + base64 of 24-64 random bytes.',
        }),
      ),
      ...routing,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('slack'), url: Type.String(), ...routing },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('pagerduty'),
      routing_key: Type.String(),
      url: Type.String({ default: 'https://events.pagerduty.com/v2/enqueue' }),
      ...routing,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('alertmanager'),
      url: Type.String({ description: 'Alertmanager base URL; alerts go to <url>/api/v2/alerts.' }),
      expire_after_secs: Type.Integer({
        default: 3600,
        minimum: 0,
        description:
          'endsAt of a firing alert is now + this, so it stays firing without re-sends until resolved; 0 leaves it to resolve_timeout.',
      }),
      ...routing,
    },
    { additionalProperties: false },
  ),
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
    admin_url: Type.String({ default: 'http://localhost:8080' }),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;

export { channelName, validateAlertsConfig } from './validate.js';
