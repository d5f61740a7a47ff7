/**
 * What every channel's config shares: the routing keys (name, min_severity, kinds, timeout_ms), the rule
 * they express (routes), the name a channel goes by, and the URL check of the HTTP channels.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { severityRank, type Incident } from '../../core/incident.js';
import { IncidentKindSchema, SeveritySchema } from '../../core/incident-schema.js';

/** Spread into each channel's schema, after its own keys. */
export const routingKeys = {
  name: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Channel name in metrics and logs; defaults to the type. Must be unique.',
    }),
  ),
  min_severity: {
    ...SeveritySchema,
    default: 'low',
    description: 'Incidents below this severity are not sent here.',
  },
  kinds: Type.Optional(
    Type.Array(IncidentKindSchema, { minItems: 1, description: 'Only these kinds; all when absent.' }),
  ),
  timeout_ms: Type.Integer({ default: 5000, minimum: 1, description: 'Per attempt.' }),
};

/** The routing keys as a channel config holds them, with its `type`. */
export type RoutingConfig = Static<TObject<typeof routingKeys>> & { type: string };

/** The name a channel goes by in metrics, logs and dedup keys. */
export function channelName(channel: Pick<RoutingConfig, 'name' | 'type'>): string {
  return channel.name ?? channel.type;
}

/**
 * Whether a channel takes this incident: severity at or above min_severity (or a quarantine waiting for
 * approval, which pages whatever its severity: a person must decide), and kind in kinds when set.
 */
export function routes(cfg: RoutingConfig, incident: Incident): boolean {
  const rank = severityRank(incident.severity);
  const awaitsApproval = incident.action?.mode === 'pending-approval';
  if (rank < 0 || (rank < severityRank(cfg.min_severity) && !awaitsApproval)) return false;
  return !cfg.kinds || cfg.kinds.includes(incident.kind);
}

/**
 * `<key>: ...` errors when `value` is not an absolute http(s) URL. The value itself is never repeated:
 * Slack and webhook URLs carry secrets in their path.
 */
export function urlErrors(value: string, key = 'url'): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [`${key}: not an absolute URL`];
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [`${key}: must be an http or https URL`];
  return [];
}
