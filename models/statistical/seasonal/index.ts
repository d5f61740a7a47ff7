export { SeasonalConfig, defaultSeasonalConfig } from './config.js';
export { SeasonalBaseline, type BaselineOutput } from './seasonal.js';
