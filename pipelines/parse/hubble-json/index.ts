import { parserFactory } from '../parser.js';
import { HubbleJsonConfig } from './config.js';
import { parseHubbleJson } from './hubble-json.js';

export const factory = parserFactory('hubble_json', 'hubble-json', HubbleJsonConfig, parseHubbleJson);
