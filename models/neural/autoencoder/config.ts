/**
 * Hyper-parameters of the autoencoder. The service-level switches (enabled, model_dir,
 * refit_interval_secs) live in the root config's `neural` section; these are the model's own knobs,
 * with defaults sized for ~14 features and a few thousand training windows.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MeshguardError } from '../../../pipelines/core/errors.js';

export const AutoencoderConfig = Type.Object(
  {
    hidden_units: Type.Array(Type.Integer({ minimum: 1, maximum: 256 }), {
      default: [8, 4],
      minItems: 1,
      maxItems: 4,
      description: 'Encoder widths down to the bottleneck; the decoder mirrors them (14 → 8 → 4 → 8 → 14).',
    }),
    epochs: Type.Integer({ default: 30, minimum: 1, maximum: 10_000 }),
    batch_size: Type.Integer({ default: 64, minimum: 1, maximum: 65_536 }),
    learning_rate: Type.Number({
      default: 0.01,
      exclusiveMinimum: 0,
      maximum: 1,
      description: 'Adam step size.',
    }),
    seed: Type.Integer({
      default: 42,
      description: 'Seeds weight init and shuffling, so training the same rows twice gives the same model.',
    }),
    min_training_rows: Type.Integer({
      default: 50,
      minimum: 2,
      description:
        'Fewer rows than this and fit() refuses: a baseline that small would call everything normal.',
    }),
    max_training_rows: Type.Integer({
      default: 200_000,
      minimum: 2,
      description: 'Larger inputs are subsampled evenly (memory: rows × 14 floats, twice).',
    }),
    calibration_points: Type.Integer({
      default: 1001,
      minimum: 11,
      maximum: 100_001,
      description: 'Quantiles of the training errors kept in the saved metadata for score calibration.',
    }),
    top_features: Type.Integer({
      default: 3,
      minimum: 1,
      maximum: 14,
      description: 'Features named in the evidence.',
    }),
  },
  { additionalProperties: false, default: {} },
);
export type AutoencoderConfig = Static<typeof AutoencoderConfig>;

/** Fill defaults and validate; every problem reported at once, naming the key. */
export function resolveAutoencoderConfig(raw: unknown = {}): AutoencoderConfig {
  const value = Value.Default(AutoencoderConfig, structuredClone(raw ?? {}));
  const errors = [...Value.Errors(AutoencoderConfig, value)].map(
    (e) => `neural.autoencoder${e.path.replace(/\//g, '.')}: ${e.message}`,
  );
  if (errors.length)
    throw new MeshguardError('MESHGUARD_ERR_CONFIG_INVALID', 'Invalid autoencoder configuration', errors);
  return value as AutoencoderConfig;
}
