/**
 * The service-level switches of the neural model (root config `neural`): whether it runs, where a trained
 * model is, how often it refits online. Its hyper-parameters are in config.ts beside this file.
 */
import { Type, type Static } from '@sinclair/typebox';

export const NeuralConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    model_dir: Type.String({
      default: '',
      description: 'A model saved by `meshguard train`; empty = learn online.',
    }),
    refit_interval_secs: Type.Integer({ default: 600, minimum: 10 }),
  },
  { additionalProperties: false, default: {} },
);
export type NeuralConfig = Static<typeof NeuralConfig>;
