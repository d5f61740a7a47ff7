import type { ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';
import { SQL_INJECTION, filled, formEncode, webCallers, webProbePlan } from './web-requests.js';

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
    return webProbePlan(
      ctx,
      this.durationMs,
      { periodMs: 10_000, jitterMs: 1_500, latencyMs: [5, 40] },
      (target, n, rng) => ({
        path: `${filled(target.basePath, rng)}?${target.keys[0]!}=${formEncode(SQL_INJECTION[n % SQL_INJECTION.length]!)}`,
        status: 200,
      }),
    );
  },
};
