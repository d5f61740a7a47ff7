export { DriftConfig, defaultDriftConfig } from './config.js';
export { DriftDetector } from './drift.js';
export { LevelAverage } from './level.js';
export { LocalSlope } from './slope.js';
