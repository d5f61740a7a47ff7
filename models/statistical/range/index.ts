export { OnlineRange } from './online-range.js';
export { memberWeight, rangeWiden } from './config.js';
