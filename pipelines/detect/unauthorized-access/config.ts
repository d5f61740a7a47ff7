/** Config section `detectors.unauthorized_access` (denial_burst, plaintext_in_mtls, session_burst). */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const UnauthorizedAccessConfig = Type.Object(
  {
    ...detectorBase,
    min_denials: Type.Integer({
      default: 10,
      minimum: 1,
      description: '401/403/RBAC denials in one window.',
    }),
    min_short_sessions: Type.Integer({
      default: 20,
      minimum: 2,
      description:
        'Short, small TCP sessions from one source to one service in one window (password guessing).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type UnauthorizedAccessConfig = Static<typeof UnauthorizedAccessConfig>;
