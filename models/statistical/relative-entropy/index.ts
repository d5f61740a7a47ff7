export { RelativeEntropyConfig, defaultRelativeEntropyConfig } from './config.js';
export { RelativeEntropyDetector, chiSquareQuantile } from './relative-entropy.js';
