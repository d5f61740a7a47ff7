export { CusumConfig, defaultCusumConfig } from './config.js';
export { CusumDetector, type CusumOutput } from './cusum.js';
