import { parserFactory } from '../parser.js';
import { ZtunnelConfig } from './config.js';
import { parseZtunnel } from './ztunnel.js';

export const factory = parserFactory('ztunnel', 'ztunnel', ZtunnelConfig, parseZtunnel);
