/** The webhook channel's config: where to POST, and the optional Standard Webhooks signing secret. */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys, urlErrors } from '../channel-config.js';
import { decodeWebhookSecret } from './signature.js';

export const WebhookConfig = Type.Object(
  {
    type: Type.Literal('webhook'),
    // No `format: 'uri'`: TypeBox rejects unregistered formats; the URL is checked by validateWebhookConfig().
    url: Type.String({ minLength: 1 }),
    secret: Type.Optional(
      Type.String({
        description: 'Standard Webhooks signing secret, "whsec_" + base64 of 24-64 random bytes.',
      }),
    ),
    ...routingKeys,
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

/** An absolute http(s) URL and a well-formed secret; errors name the key and never repeat the secret. */
export function validateWebhookConfig(cfg: WebhookConfig): string[] {
  const errors = urlErrors(cfg.url);
  if (cfg.secret !== undefined) {
    const decoded = decodeWebhookSecret(cfg.secret);
    if ('error' in decoded) errors.push(`secret: ${decoded.error}`);
  }
  return errors;
}
