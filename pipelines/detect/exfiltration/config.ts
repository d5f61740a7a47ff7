/**
 * Config section `detectors.exfiltration` (edge_volume_down/up, new_external_upload, unregistered_egress,
 * beaconing). `min_bytes` is also what the baseline learning holds a heavy window out by.
 */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const ExfiltrationConfig = Type.Object(
  {
    ...detectorBase,
    min_bytes: Type.Integer({
      default: 5_000_000,
      minimum: 0,
      description: 'Bytes in one window below which volume is never called exfiltration.',
    }),
    cumulative_external_bytes: Type.Integer({
      default: 20_000_000,
      minimum: 0,
      description: 'Bytes uploaded to one new external host, summed over time (slow drips).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type ExfiltrationConfig = Static<typeof ExfiltrationConfig>;
