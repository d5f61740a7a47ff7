import { craft, periodic, type ScenarioDefinition } from '../scenario.js';
import { responseBytes } from '../traffic.js';
import { MINUTE } from './helpers.js';
import { XSS, filled, formEncode, webCallers, webTarget } from './web-requests.js';

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
    const target = webTarget(ctx);
    const endMs = ctx.startMs + this.durationMs;
    const seed = (ctx.rng.next() * 4294967296) >>> 0;
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (target === undefined) return;
        periodic(tickMs, ctx.startMs, endMs, 2_000, 400, seed, (time, n) => {
          const key = target.keys[n % target.keys.length]!;
          emit(
            craft(ctx, rng, time, target.dst, {
              path: `${filled(target.basePath, rng)}?${key}=${formEncode(XSS[n % XSS.length]!)}`,
              status: 200,
              bytesDown: responseBytes(target.endpoint, 200, rng),
              durationMs: rng.int(3, 30),
            }),
          );
        });
      },
    };
  },
};
