/** The keys every window detector's config section starts with. */
import { Type } from '@sinclair/typebox';

export const detectorBase = {
  enabled: Type.Boolean({ default: true }),
  threshold: Type.Number({
    default: 0.99,
    minimum: 0,
    maximum: 1,
    description: 'Calibrated score at or above which the detector reports a finding.',
  }),
};
