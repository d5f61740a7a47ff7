/** The slack channel's config: the incoming-webhook URL (a secret). */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys, urlErrors } from '../channel-config.js';

export const SlackConfig = Type.Object(
  { type: Type.Literal('slack'), url: Type.String(), ...routingKeys },
  { additionalProperties: false },
);
export type SlackConfig = Static<typeof SlackConfig>;

export function validateSlackConfig(cfg: SlackConfig): string[] {
  return urlErrors(cfg.url);
}
