import { noConfig } from '../parser.js';

/** remote_write reads no options: the body size limit is the HTTP endpoint's (`ingest.body_limit_bytes`). */
export const RemoteWriteConfig = noConfig('Prometheus remote_write 0.1.0 parser (no options).');
