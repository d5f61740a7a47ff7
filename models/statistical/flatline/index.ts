export { FlatlineConfig, defaultFlatlineConfig } from './config.js';
export { FlatlineDetector } from './flatline.js';
