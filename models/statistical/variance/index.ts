export { VarianceConfig, defaultVarianceConfig } from './config.js';
export { VarianceDetector } from './variance.js';
export { PhaseScale } from './phase-scale.js';
