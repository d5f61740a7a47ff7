import { craft, periodic, type ScenarioDefinition } from '../scenario.js';
import { responseBytes } from '../traffic.js';
import { MINUTE } from './helpers.js';
import { TRAVERSAL, filled, webCallers, webTarget } from './web-requests.js';

/**
 * Path traversal, percent-encoded once, twice and as overlong UTF-8, at 0.5 requests/s: a `file` parameter
 * added to an endpoint the workload calls anyway, and the same payloads in a path segment. The service
 * answers 200 (it served something) or 400: never a burst of errors.
 */
export const encodedTraversal: ScenarioDefinition = {
  name: 'encoded_traversal',
  description: 'Encoded and double-encoded ../ traversal in query values and paths, 0.5 requests/s.',
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
          const payload = TRAVERSAL[n % TRAVERSAL.length]!;
          const base = filled(target.basePath, rng);
          const path = n % 3 === 2 ? `${base}/${payload}` : `${base}?${target.keys[0]!}=1&file=${payload}`;
          const status = rng.chance(0.8) ? 200 : 400;
          emit(
            craft(ctx, rng, time, target.dst, {
              path,
              status,
              bytesDown: responseBytes(target.endpoint, status, rng),
              durationMs: rng.int(3, 30),
            }),
          );
        });
      },
    };
  },
};
