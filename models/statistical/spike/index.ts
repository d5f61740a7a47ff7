export { SpikeConfig, defaultSpikeConfig } from './config.js';
export { SpikeDetector } from './spike.js';
