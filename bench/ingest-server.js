// The service under test for bench/ingest.js: `meshguard serve` in one process (ingest + scorer on the
// embedded bus, in-memory state), on a free port. Prints `port=N` when listening; stops on SIGTERM.
import { dist } from './lib.js';

const { Service } = await dist('services/service.js');
const { resolveConfig } = await dist('config/validate.js');
const { default: pino } = await import('pino');

const cfg = resolveConfig({ http: { host: '127.0.0.1', port: 0 }, log_level: 'silent' });
cfg.alerts.channels = [];
cfg.quarantine.sink = 'none';
const service = new Service(cfg, 'all', pino({ level: 'silent' }));
await service.start();
process.stdout.write(`port=${service.port}\n`);
process.once('SIGTERM', () => {
  void service.stop().then(() => process.exit(0));
});
