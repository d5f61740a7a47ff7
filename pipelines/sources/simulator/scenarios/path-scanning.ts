import { appWorkloads, craft, during, type ScenarioDefinition } from '../scenario.js';
import { MINUTE, shuffled } from './helpers.js';

export const PATHS = [
  '/.env',
  '/.git/config',
  '/.git/HEAD',
  '/admin',
  '/admin/login',
  '/wp-login.php',
  '/wp-admin/',
  '/xmlrpc.php',
  '/actuator',
  '/actuator/env',
  '/actuator/health',
  '/actuator/heapdump',
  '/actuator/mappings',
  '/server-status',
  '/phpmyadmin/',
  '/config.json',
  '/.aws/credentials',
  '/debug/pprof/',
  '/console',
  '/v2/api-docs',
  '/swagger-ui.html',
  '/api/swagger.json',
  '/backup.zip',
  '/.DS_Store',
  '/graphql',
  '/jolokia/list',
  '/metrics',
  '/.well-known/security.txt',
  '/api/v1/admin/users',
  '/cgi-bin/test.cgi',
];

/**
 * A content-discovery sweep from inside the cluster: well-known sensitive paths against several services,
 * ~8 requests/s for three minutes. Nearly everything is 404; an actuator or swagger page sometimes answers.
 */
export const pathScanning: ScenarioDefinition = {
  name: 'path_scanning',
  description: 'Requests for /.env, /admin, /wp-login.php, /actuator/... across services, mostly 404.',
  attack: true,
  acceptableKinds: ['scanning'],
  durationMs: 3 * MINUTE,
  candidates: (t) => appWorkloads(t),
  plan(ctx) {
    const t = ctx.topology;
    const others = t.workloads.filter((w) => w !== ctx.actor && w.sidecar && w.kind !== 'gateway');
    const targets = shuffled(others, ctx.rng).slice(0, Math.min(6, others.length));
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(6, 10);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const dst = rng.pick(targets);
          const path = rng.pick(PATHS);
          const r = rng.next();
          const found = path === '/metrics' || path === '/actuator/health' || path === '/api/swagger.json';
          const status = found && r < 0.6 ? 200 : r < 0.9 ? 404 : r < 0.96 ? 403 : 401;
          emit(
            craft(ctx, rng, time, dst, {
              path,
              status,
              bytesDown: status === 200 ? rng.int(300, 9000) : rng.int(9, 160),
              durationMs: rng.int(1, 6),
              userAgent:
                'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36',
            }),
          );
        });
      },
    };
  },
};
