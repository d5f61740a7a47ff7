import { metricParserFactory } from '../parser.js';
import { RemoteWriteConfig } from './config.js';
import { remoteWriteParser } from './remote-write.js';

export const factory = metricParserFactory('remote_write', RemoteWriteConfig, remoteWriteParser);
