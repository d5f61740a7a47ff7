/** Config section `detectors.unauthorized_access` (denial_burst and plaintext_in_mtls). */
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
  },
  { additionalProperties: false, default: {} },
);
export type UnauthorizedAccessConfig = Static<typeof UnauthorizedAccessConfig>;
