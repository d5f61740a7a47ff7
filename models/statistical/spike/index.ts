export { SpikeConfig, defaultSpikeConfig } from './config.js';
export { SpikeDetector, type SpikeOutput } from './spike.js';
export { BurstMemory } from './burst-memory.js';
export { DipReturnDetector } from './dip-return.js';
export { BurstTail } from './burst-tail.js';
