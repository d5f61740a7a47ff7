export { OnlineRange } from './online-range.js';
