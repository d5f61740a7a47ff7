import { parserFactory } from '../parser.js';
import { ConsulJsonConfig } from './config.js';
import { parseConsulJson } from './consul-json.js';

export const factory = parserFactory('consul_json', 'consul-json', ConsulJsonConfig, parseConsulJson);
