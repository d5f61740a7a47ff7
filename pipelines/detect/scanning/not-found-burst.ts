/**
 * not_found_burst: bursts of 404s (path scanning, object-ID enumeration), judged against the source's
 * own 404 rate. Ratios, not counts, so a traffic surge with the usual mix stays quiet.
 * new_routes: never-seen routes that mostly fail (a scanner walking a wordlist), when no 404 burst
 * names the window already.
 */
import type { Finding } from '../../core/finding.js';
import { binomialZ, zToProbability } from '../../features/stats.js';
import { roundRatio, type WindowContext } from '../detector.js';
import type { ScanningConfig } from './config.js';

export const NOT_FOUND_BURST = 'not_found_burst';
export const NEW_ROUTES = 'new_routes';

export function notFoundBurst(ctx: WindowContext, cfg: ScanningConfig): Finding | undefined {
  const w = ctx.window;
  const own = ctx.state.notFoundRatio;
  const baseRatio = ctx.learning || ctx.newEntity || own.count < 3 ? ctx.peers.notFoundRatio.mean : own.mean;

  // Never-seen routes that mostly fail: a scanner walking a wordlist. (No failed request, no failing
  // route: the routes need not be looked up.)
  let newFailing = 0;
  let newRoutes = 0;
  if (!ctx.learning && w.pathErrors.size > 0) {
    for (const r of ctx.newRoutes) if (r.failing) newFailing++;
    newRoutes = ctx.newRoutes.length;
  }
  const wordlist = !ctx.learning && newRoutes >= cfg.min_new_paths && newFailing >= newRoutes * 0.5;

  const recent = ctx.state.notFoundRecent + w.notFound;
  const errors = w.notFound + w.denied;
  const burst = (w.notFound >= cfg.min_not_found || recent >= cfg.min_not_found * 2) && w.notFound >= 2;
  const ratio = w.notFound / w.requests;
  const errorRatio = errors / w.requests;
  let score = 0;
  if (burst && errorRatio >= 0.3 && ratio >= 3 * baseRatio)
    score = zToProbability(binomialZ(w.notFound, w.requests, baseRatio));
  if (wordlist) score = Math.max(score, 1 - 1 / (newFailing + 1));
  if (score < cfg.threshold) return undefined;
  return {
    detector: wordlist && !burst ? NEW_ROUTES : NOT_FOUND_BURST,
    kind: 'scanning',
    entity: w.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: w.firstNotFoundMs === Number.MAX_SAFE_INTEGER ? w.firstSuspiciousMs() : w.firstNotFoundMs,
    evidence: {
      not_found: w.notFound,
      denied: w.denied,
      requests: w.requests,
      not_found_ratio: roundRatio(ratio),
      baseline_not_found_ratio: roundRatio(baseRatio),
      distinct_paths: w.paths.size + w.pathsOverflow,
      never_seen_routes: ctx.newRoutes.length,
      examples: [...w.pathErrors.keys()].slice(0, 8),
      destinations: [...w.edges]
        .filter(([, e]) => e.notFound > 0)
        .map(([d]) => d)
        .slice(0, 10),
    },
  };
}
