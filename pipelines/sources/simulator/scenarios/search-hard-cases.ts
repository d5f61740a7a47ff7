import { craft, during, type ScenarioDefinition } from '../scenario.js';
import type { Rng } from '../prng.js';
import { responseBytes } from '../traffic.js';
import { MINUTE } from './helpers.js';
import { filled, formEncode, webCallers, webTarget } from './web-requests.js';

/** What people type into search boxes: apostrophes, quotes, SQL-ish words, other scripts. */
const SEARCHES = [
  "O'Brien",
  "o'reilly media",
  "rock 'n' roll",
  '"red running shoes"',
  "children's books",
  'select a gift',
  'union jack flag',
  'drop earrings',
  'café crème',
  '日本語の本',
  'Zürich',
  'size 10 & wide',
  'c++ primer',
  'price < 20',
  "don't starve",
  '100% cotton',
];

/** A token as clients pass them: base64url, long, with `=` padding (percent-encoded). */
function token(rng: Rng): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = '';
  for (let i = 0, n = rng.int(40, 180); i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return `${s}%3D%3D`;
}

/** A JSON-ish filter, sometimes long (a saved search, a front-end state blob). */
function filter(rng: Rng): string {
  const facets = Array.from({ length: rng.int(1, 40) }, (_, i) => `"f${i}":["${rng.int(1, 999)}","x${i}"]`);
  return encodeURIComponent(`{"filters":{${facets.join(',')}},"sort":"price","desc":true}`);
}

/**
 * The hard cases of request content, all benign and answered 200: a search box receiving names with
 * apostrophes, quoted phrases and SQL-ish words, URL-encoded UTF-8, long base64 tokens and long JSON-ish
 * filter values, and a new API version (`/v2/`, new keys) rolling out next to the old one. The caller is
 * a workload that uses the service anyway, as a front end does for its users.
 */
export const searchHardCases: ScenarioDefinition = {
  name: 'search_hard_cases',
  description:
    "Search queries with quotes and apostrophes (O'Brien), base64 tokens, long JSON-ish values, UTF-8, and a new API version.",
  attack: false,
  acceptableKinds: [],
  durationMs: 20 * MINUTE,
  candidates: (t) => webCallers(t),
  plan(ctx) {
    const target = webTarget(ctx);
    const endMs = ctx.startMs + this.durationMs;
    const rate = ctx.rng.uniform(2, 4);
    return {
      endMs,
      tick(tickMs, rng, emit) {
        if (target === undefined) return;
        during(tickMs, ctx.startMs, endMs, rate, rng, (time) => {
          const base = filled(target.basePath, rng);
          // The new version takes a growing share of the requests as it rolls out.
          const v2 = rng.next() < (time - ctx.startMs) / (endMs - ctx.startMs);
          const path = v2 ? base.replace(/\/v1\//, '/v2/').replace(/^\/(?!.*\/v2\/)/, '/v2/') : base;
          const key = target.keys[0]!;
          const r = rng.next();
          const query =
            r < 0.55
              ? `${key}=${formEncode(rng.pick(SEARCHES))}&page=${rng.int(1, 9)}`
              : r < 0.75
                ? `${key}=${rng.int(1, 9999)}&session=${token(rng)}`
                : r < 0.9
                  ? `${key}=${rng.int(1, 9999)}&filter=${filter(rng)}`
                  : `${key}=${formEncode(rng.pick(SEARCHES))}&sort=price&order=asc&lang=${rng.pick(['en', 'de', 'ja'])}`;
          emit(
            craft(ctx, rng, time, target.dst, {
              path: `${path}?${query}`,
              status: 200,
              bytesDown: responseBytes(target.endpoint, 200, rng),
              durationMs: rng.int(5, 60),
            }),
          );
        });
      },
    };
  },
};
