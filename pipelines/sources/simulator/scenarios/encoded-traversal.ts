import type { ScenarioDefinition } from '../scenario.js';
import { MINUTE } from './helpers.js';
import { TRAVERSAL, filled, webCallers, webProbePlan } from './web-requests.js';

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
    return webProbePlan(
      ctx,
      this.durationMs,
      { periodMs: 2_000, jitterMs: 400, latencyMs: [3, 30] },
      (target, n, rng) => {
        const payload = TRAVERSAL[n % TRAVERSAL.length]!;
        const base = filled(target.basePath, rng);
        const path = n % 3 === 2 ? `${base}/${payload}` : `${base}?${target.keys[0]!}=1&file=${payload}`;
        return { path, status: rng.chance(0.8) ? 200 : 400 };
      },
    );
  },
};
