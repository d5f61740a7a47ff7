/**
 * The `autoencoder` detector component. Importing this module does not load TensorFlow.js: that happens
 * on the first create(), so processes without a neural model never pay for it.
 */
import type { Factory } from '../../../pipelines/core/component.js';
import { AutoencoderConfig } from './config.js';
import { AutoencoderDetector } from './detector.js';

export { AutoencoderConfig, resolveAutoencoderConfig } from './config.js';
export { AutoencoderDetector, DETECTOR_NAME, type CreateOptions } from './detector.js';
export { FEATURE_COUNT, FEATURE_NAMES, type FeatureName } from './features.js';
export { autoencoderFindings, type WorkloadFeatureRow } from './findings.js';
export { METADATA_FILE, type AutoencoderMetadata } from './metadata.js';
export { scheduleRefit, type RefitOptions } from './refit.js';
export type { AutoencoderScore, FeatureContribution } from './scoring.js';
export type { FitOptions } from './training.js';

/**
 * Creates an untrained detector (tfjs loaded, backend chosen) that logs through `settings.logger` and
 * stamps `trainedAt` from `settings.clock`; call `load(dir)` for a model saved by `meshguard train`.
 */
export const factory: Factory<'detector', typeof AutoencoderConfig, Promise<AutoencoderDetector>> = {
  kind: 'detector',
  type: 'autoencoder',
  configSchema: AutoencoderConfig,
  create(config, settings) {
    return AutoencoderDetector.create({ logger: settings.logger, clock: settings.clock, config });
  },
};
