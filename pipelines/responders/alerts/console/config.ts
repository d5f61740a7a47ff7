/** The console channel's config: only the keys every channel takes. */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys } from '../channel-config.js';

export const ConsoleConfig = Type.Object(
  { type: Type.Literal('console'), ...routingKeys },
  { additionalProperties: false },
);
export type ConsoleConfig = Static<typeof ConsoleConfig>;
