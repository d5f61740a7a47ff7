/** The console channel's config: the keys every channel takes, and how much it prints. */
import { Type, type Static } from '@sinclair/typebox';
import { routingKeys } from '../channel-config.js';

export const ConsoleConfig = Type.Object(
  {
    type: Type.Literal('console'),
    ...routingKeys,
    format: Type.Optional(
      Type.Union([Type.Literal('block'), Type.Literal('line')], {
        default: 'block',
        description:
          'block: who, what, evidence, action and undo over a few lines; line: one line (time, kind, offender, severity, action, console link).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ConsoleConfig = Static<typeof ConsoleConfig>;
