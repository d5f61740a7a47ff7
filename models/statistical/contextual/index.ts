export { ContextualConfig, defaultContextualConfig } from './config.js';
export { ContextualDetector } from './contextual.js';
export { ContextNovelty } from './novelty.js';
