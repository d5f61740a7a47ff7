import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const SpikeConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    direction: Type.Union([Type.Literal('both'), Type.Literal('up'), Type.Literal('down')], {
      default: 'both',
      description: 'Which departures count: both, only rises (traffic, bytes) or only drops.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type SpikeConfig = Static<typeof SpikeConfig>;

/** Every key at its schema default. */
export const defaultSpikeConfig = Value.Default(SpikeConfig, {}) as SpikeConfig;
