import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ChangepointConfig = Type.Object(
  {
    enabled: Type.Boolean({
      default: false,
      description:
        'Off by default: on the development corpus it found no window the other parts miss and added false positives (docs/series-evaluation.md).',
    }),
    expected_run: Type.Integer({
      default: 500,
      minimum: 10,
      description: 'Prior mean length of a regime, in samples (the hazard is its inverse).',
    }),
    max_hypotheses: Type.Integer({
      default: 48,
      minimum: 8,
      maximum: 1000,
      description: 'Run-length hypotheses kept; the least probable is dropped beyond this (cost per sample).',
    }),
    memory_samples: Type.Integer({
      default: 500,
      minimum: 10,
      description:
        'Effective samples a regime remembers at most: older ones are forgotten, so a long regime does not grow more certain than a real, slowly wandering series allows.',
    }),
    recent_min: Type.Integer({
      default: 3,
      minimum: 1,
      description: 'Shortest run counted as a new regime (one odd sample is a spike, not a change).',
    }),
    recent_max: Type.Integer({
      default: 20,
      minimum: 2,
      description: 'Longest run counted as a new regime.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type ChangepointConfig = Static<typeof ChangepointConfig>;

/** Every key at its schema default. */
export const defaultChangepointConfig = Value.Default(ChangepointConfig, {}) as ChangepointConfig;

/** The cross-field rule the schema cannot express. */
export function validateChangepointConfig(c: ChangepointConfig): string[] {
  return c.recent_max > c.recent_min ? [] : ['recent_max must be above recent_min'];
}
