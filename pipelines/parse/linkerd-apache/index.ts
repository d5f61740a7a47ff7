import { parserFactory } from '../parser.js';
import { LinkerdApacheConfig } from './config.js';
import { parseLinkerdApache } from './linkerd-apache.js';

export const factory = parserFactory(
  'linkerd_apache',
  'linkerd-apache',
  LinkerdApacheConfig,
  parseLinkerdApache,
);
