/** Config section `detectors.lateral_movement` (new_destinations and sensitive_destination). */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const LateralMovementConfig = Type.Object(
  {
    ...detectorBase,
    min_new_destinations: Type.Integer({
      default: 3,
      minimum: 1,
      description: 'Destinations never called during the baseline, within the window.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type LateralMovementConfig = Static<typeof LateralMovementConfig>;
