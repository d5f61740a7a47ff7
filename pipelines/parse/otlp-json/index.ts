import { parserFactory } from '../parser.js';
import { OtlpJsonConfig } from './config.js';
import { parseOtlpJson } from './otlp-json.js';

export const factory = parserFactory('otlp_json', 'otlp-json', OtlpJsonConfig, parseOtlpJson);
