/** The pagerduty channel's config: the Events API v2 routing key (a secret) and endpoint. */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys, urlErrors } from '../channel-config.js';

export const PagerDutyConfig = Type.Object(
  {
    type: Type.Literal('pagerduty'),
    routing_key: Type.String(),
    url: Type.String({ default: 'https://events.pagerduty.com/v2/enqueue' }),
    ...routingKeys,
  },
  { additionalProperties: false },
);
export type PagerDutyConfig = Static<typeof PagerDutyConfig>;

export function validatePagerDutyConfig(cfg: PagerDutyConfig): string[] {
  const errors = urlErrors(cfg.url);
  if (cfg.routing_key.trim() === '') errors.push('routing_key: must not be empty');
  return errors;
}
