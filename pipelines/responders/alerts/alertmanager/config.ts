/** The alertmanager channel's config: Alertmanager's base URL and how long a firing alert lasts. */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys, urlErrors } from '../channel-config.js';

export const AlertmanagerConfig = Type.Object(
  {
    type: Type.Literal('alertmanager'),
    url: Type.String({ description: 'Alertmanager base URL; alerts go to <url>/api/v2/alerts.' }),
    expire_after_secs: Type.Integer({
      default: 3600,
      minimum: 0,
      description:
        'endsAt of a firing alert is now + this, so it stays firing without re-sends until resolved; 0 leaves it to resolve_timeout.',
    }),
    ...routingKeys,
  },
  { additionalProperties: false },
);
export type AlertmanagerConfig = Static<typeof AlertmanagerConfig>;

export function validateAlertmanagerConfig(cfg: AlertmanagerConfig): string[] {
  return urlErrors(cfg.url);
}
