import type { ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';
import { XSS, filled, formEncode, webCallers, webProbePlan } from './web-requests.js';

/**
 * Reflected-XSS probes in a query string (script tags, event handlers, javascript: URIs), 0.5 requests/s,
 * all answered 200: the page renders whatever it was given.
 */
export const queryXss: ScenarioDefinition = {
  name: 'query_xss',
  description: 'Script tags and event handlers in query values, 0.5 requests/s, answered 200.',
  attack: true,
  acceptableKinds: ['unauthorized_access'],
  durationMs: 5 * MINUTE,
  candidates: (t) => webCallers(t),
  plan(ctx) {
    return webProbePlan(
      ctx,
      this.durationMs,
      { periodMs: 2_000, jitterMs: 400, latencyMs: [3, 30] },
      (target, n, rng) => ({
        path: `${filled(target.basePath, rng)}?${target.keys[n % target.keys.length]!}=${formEncode(XSS[n % XSS.length]!)}`,
        status: 200,
      }),
    );
  },
};
