export { ArtConfig, defaultArtConfig, validateArtConfig } from './config.js';
export { ArtDetector } from './art.js';
