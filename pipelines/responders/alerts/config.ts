import { Type, type Static } from '@sinclair/typebox';

const Severity = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')]);
const Kind = Type.Union([
  Type.Literal('unauthorized_access'),
  Type.Literal('exfiltration'),
  Type.Literal('lateral_movement'),
  Type.Literal('scanning'),
  Type.Literal('anomaly'),
]);

const routing = {
  name: Type.Optional(Type.String()),
  min_severity: { ...Severity, default: 'low' },
  kinds: Type.Optional(Type.Array(Kind, { description: 'Only these kinds; all when absent.' })),
  timeout_ms: Type.Integer({ default: 5000, minimum: 1 }),
};

export const ChannelConfig = Type.Union([
  Type.Object(
    { type: Type.Literal('console'), ...routing },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('webhook'), url: Type.String({ format: 'uri' }), secret: Type.Optional(Type.String()), ...routing },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('slack'), url: Type.String(), ...routing }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('pagerduty'),
      routing_key: Type.String(),
      url: Type.String({ default: 'https://events.pagerduty.com/v2/enqueue' }),
      ...routing,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('alertmanager'), url: Type.String(), ...routing }, { additionalProperties: false }),
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
      },
      { additionalProperties: false, default: {} },
    ),
    dead_letter_file: Type.Optional(Type.String({ description: 'Alerts that failed for good are appended here.' })),
    /** Base URL of the admin API, used in the undo instructions of alerts. */
    admin_url: Type.String({ default: 'http://localhost:8080' }),
  },
  { additionalProperties: false, default: {} },
);
export type AlertsConfig = Static<typeof AlertsConfig>;
