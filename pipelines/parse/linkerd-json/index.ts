import { parserFactory } from '../parser.js';
import { LinkerdJsonConfig } from './config.js';
import { parseLinkerdJson } from './linkerd-json.js';

export const factory = parserFactory('linkerd_json', 'linkerd-json', LinkerdJsonConfig, parseLinkerdJson);
