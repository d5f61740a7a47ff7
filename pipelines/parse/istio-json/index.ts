import { parserFactory } from '../parser.js';
import { IstioJsonConfig } from './config.js';
import { parseIstioJson } from './istio-json.js';

export const factory = parserFactory('istio_json', 'istio-json', IstioJsonConfig, parseIstioJson);
