export { VarianceConfig, defaultVarianceConfig } from './config.js';
export { VarianceDetector } from './variance.js';
