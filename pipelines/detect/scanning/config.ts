/** Config section `detectors.scanning` (not_found_burst, new_routes, connection_sweep). */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const ScanningConfig = Type.Object(
  {
    ...detectorBase,
    min_not_found: Type.Integer({ default: 10, minimum: 1, description: '404s in one window.' }),
    min_new_paths: Type.Integer({
      default: 15,
      minimum: 1,
      description: 'Never-seen paths in one window.',
    }),
    min_failed_targets: Type.Integer({
      default: 10,
      minimum: 2,
      description:
        'Distinct never-used host:port targets with failed connections (UF/UH/NR/URX/NC or zero-byte TCP) in one window.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type ScanningConfig = Static<typeof ScanningConfig>;
