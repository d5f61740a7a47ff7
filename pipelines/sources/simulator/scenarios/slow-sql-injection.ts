import { craft, periodic, type ScenarioDefinition } from '../scenario.js';
import { responseBytes } from '../traffic.js';
import { MINUTE } from './helpers.js';
import { SQL_INJECTION, filled, formEncode, webCallers, webTarget } from './web-requests.js';

/**
 * SQL injection sent slowly (one request every 10 s) by a compromised workload to a service it calls
 * anyway, in the query string of an endpoint it uses: the application answers 200 (the injection works,
 * or is swallowed), so no status or volume changes. Only the content of the request line gives it away.
 */
export const slowSqlInjection: ScenarioDefinition = {
  name: 'slow_sql_injection',
  description: 'SQL injection in a query string, one request every 10 s, answered 200.',
  attack: true,
  acceptableKinds: ['unauthorized_access'],
  durationMs: 8 * MINUTE,
  candidates: (t) => webCallers(t),
  plan(ctx) {
    const target = webTarget(ctx);
    const endMs = ctx.startMs + this.durationMs;
    const seed = (ctx.rng.next() * 4294967296) >>> 0;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (target === undefined) return;
        periodic(tickMs, ctx.startMs, endMs, 10_000, 1_500, seed, (time, n) => {
          const key = target.keys[0]!;
          const payload = SQL_INJECTION[n % SQL_INJECTION.length]!;
          emit(
            craft(ctx, rng, time, target.dst, {
              path: `${filled(target.basePath, rng)}?${key}=${formEncode(payload)}`,
              status: 200,
              bytesDown: responseBytes(target.endpoint, 200, rng),
              durationMs: rng.int(5, 40),
            }),
          );
        });
      },
    };
  },
};
