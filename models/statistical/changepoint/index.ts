export { ChangepointConfig, defaultChangepointConfig, validateChangepointConfig } from './config.js';
export { ChangepointDetector } from './changepoint.js';
