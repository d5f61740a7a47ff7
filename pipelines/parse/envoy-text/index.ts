import { parserFactory } from '../parser.js';
import { EnvoyTextConfig } from './config.js';
import { parseEnvoyText } from './envoy-text.js';

export const factory = parserFactory('envoy_text', 'envoy-text', EnvoyTextConfig, parseEnvoyText);
