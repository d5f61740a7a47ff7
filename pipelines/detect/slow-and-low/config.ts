/** Config section `detectors.slow_and_low` (slow_denials, slow_path_scan, slow_sweep). */
import { Type, type Static } from '@sinclair/typebox';
import { detectorBase } from '../base-config.js';

export const SlowScaleConfig = Type.Object(
  {
    horizon_secs: Type.Integer({
      minimum: 10,
      maximum: 86_400,
      description: 'Time scale of one accumulator: how long evidence takes to be forgotten.',
    }),
    min_events: Type.Integer({
      minimum: 2,
      description:
        'Suspicious events within horizon_secs, beyond what the source usually shows, that count as an attack at this scale.',
    }),
  },
  { additionalProperties: false },
);
export type SlowScaleConfig = Static<typeof SlowScaleConfig>;

export const SlowAndLowConfig = Type.Object(
  {
    ...detectorBase,
    scales: Type.Array(SlowScaleConfig, {
      minItems: 1,
      maxItems: 4,
      default: [
        { horizon_secs: 60, min_events: 15 },
        { horizon_secs: 600, min_events: 30 },
        { horizon_secs: 3600, min_events: 60 },
      ],
      description:
        'One CUSUM per evidence type and scale: 1 min finds a request every 2 s, 10 min and 1 h one every 10 s to one a minute.',
    }),
    decision_llr: Type.Number({
      default: 12,
      minimum: 2,
      maximum: 100,
      description:
        'Log-likelihood ratio (nats) an accumulator must reach to report (score 0.99 there, rising with more evidence).',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type SlowAndLowConfig = Static<typeof SlowAndLowConfig>;
