export { DriftConfig, defaultDriftConfig } from './config.js';
export { DriftDetector } from './drift.js';
