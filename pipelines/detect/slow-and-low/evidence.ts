/**
 * What one window of a source holds of each slow-and-low evidence type, and how much of it the
 * source's baseline expects: its own rates once it has them (per edge for refusals), its peers' before.
 * The types are narrow on purpose: benign traffic shows almost none of them, so a few a minute stand out.
 */
import { hash32 } from '../../../models/neural/request-model/network.js';
import type { EdgeBaseline } from '../../features/entity-state.js';
import type { EdgeWindow } from '../../features/window.js';
import type { WindowContext } from '../detector.js';
import { guessLikeSessions } from '../unauthorized-access/session-burst.js';
import { Accumulators, type TypeObservation } from './accumulator.js';

/** An edge's own refusal share needs this many windows of history to stand for the edge. */
const OWN_EDGE_WINDOWS = 5;
const NONE = Number.MAX_SAFE_INTEGER;

/** The window's evidence, in EVIDENCE_TYPES order, and what a person needs to read it. */
export interface WindowEvidence {
  observations: [TypeObservation, TypeObservation, TypeObservation, TypeObservation];
  /** Destinations the refusals came from, new failing route templates, fresh failed targets, guessed services. */
  examples: [string[], string[], string[], string[]];
}

/** The source's own share of `ratio` once it has one, else its peers'. */
function established(ctx: WindowContext): boolean {
  return !ctx.learning && !ctx.newEntity && ctx.state.deniedRatio.count >= 3;
}

/**
 * The edge's baseline when it stands for itself: learned over enough windows and older than the
 * accumulators' memory (a newer edge may have learned its rates from the very attack).
 */
function matureEdge(ctx: WindowContext, dst: string, matureMs: number): EdgeBaseline | undefined {
  const base = ctx.state.findEdge(dst);
  if (base === undefined || base.deniedRatio.count < OWN_EDGE_WINDOWS) return undefined;
  return base.firstCalledMs === 0 || ctx.endMs - base.firstCalledMs > matureMs ? base : undefined;
}

/** A request logged by both sidecars is two records: the share of records that count requests. */
function uniqueShare(e: EdgeWindow): number {
  return Math.max(e.inbound, e.requests - e.inbound) / e.requests;
}

/**
 * Refusals (401, 403, RBAC) on in-mesh edges, expected at each edge's own refusal share (a login
 * endpoint always refuses some), else the source's, else the peers'.
 */
function denials(ctx: WindowContext, matureMs: number): { obs: TypeObservation; examples: string[] } {
  const w = ctx.window;
  const own = established(ctx);
  const peers = ctx.peers.deniedRatio.mean;
  // A source whose traffic is mostly the attack learns the attack's share as its own: on edges that
  // do not stand for themselves, it may only lower what is expected below the peers'.
  const sourceRatio = own ? Math.min(ctx.state.deniedRatio.mean, peers) : peers;
  let count = 0;
  let expected = 0;
  const examples: string[] = [];
  for (const [dst, e] of w.edges) {
    if (e.requests === 0) continue;
    const base = own ? matureEdge(ctx, dst, matureMs) : undefined;
    const unique = uniqueShare(e);
    expected += e.requests * unique * (base ? base.deniedRatio.mean : sourceRatio);
    count += e.denied * unique;
    if (e.denied > 0 && examples.length < 5) examples.push(dst);
  }
  return { obs: { count, expected, firstMs: count > 0 ? w.firstDeniedMs : NONE }, examples };
}

/** Digits in one literal segment from which it names an object (SKU-19448, invoice 2024-0117), not a route. */
const OBJECT_DIGITS = 3;

/**
 * Whether a template still holds a literal segment naming an object: keys the templater does not
 * recognise as ids (SKU-19448) make every product a "new route", and some products are gone (404).
 * A wordlist tries names (/.env, /actuator/heapdump), not object keys, so such routes are no evidence
 * either way: they count neither as failing new routes nor among the new routes they are most of.
 */
export function namesObject(template: string): boolean {
  let digits = 0;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    if (c === 47)
      digits = 0; // '/'
    else if (c >= 48 && c <= 57 && ++digits >= OBJECT_DIGITS) return true;
  }
  return false;
}

/**
 * Route templates the source never used whose requests mostly failed (a scanner's wordlist, one path at
 * a time), when they are most of the new routes of the window, expected at its usual failure share
 * over the new routes it opened. Routes naming objects are left out (namesObject).
 */
function failingNewRoutes(ctx: WindowContext): { obs: TypeObservation; examples: string[] } {
  const w = ctx.window;
  // No failed request, no failing route: the routes need not be templated.
  if (ctx.learning || w.pathErrors.size === 0)
    return { obs: { count: 0, expected: 0, firstMs: NONE }, examples: [] };
  const s = ctx.state;
  const peers = ctx.peers.notFoundRatio.mean + ctx.peers.deniedRatio.mean;
  // A quiet source whose traffic is mostly the scan learns the scan's failure share as its own (each
  // window that raised nothing is learned): its own share may only lower what is expected, as for denials.
  const failRatio = established(ctx) ? Math.min(s.notFoundRatio.mean + s.deniedRatio.mean, peers) : peers;
  const examples: string[] = [];
  let count = 0;
  let routes = 0;
  for (const r of ctx.newRoutes) {
    if (namesObject(r.template)) continue;
    routes++;
    if (r.failing) {
      count++;
      if (examples.length < 5) examples.push(r.template);
    }
  }
  // A source whose paths do not template opens new routes all day and some fail: only when most of the
  // window's new routes fail is it walking a wordlist.
  if (count * 2 < routes) count = 0;
  return {
    obs: {
      count,
      expected: routes * failRatio,
      firstMs: count > 0 ? w.firstSuspiciousMs() : NONE,
    },
    examples,
  };
}

/** A host of the source's baseline: called while it learned, or longer ago than the accumulators remember. */
function knownTarget(ctx: WindowContext, host: string, matureMs: number): boolean {
  const first = ctx.state.firstCalledMs(host);
  if (first !== undefined && (first === 0 || ctx.endMs - first > matureMs)) return true;
  return ctx.state.externalHost(host)?.known === true;
}

/**
 * Failed connections (refused, unroutable, or TCP sessions that moved nothing) to `host:port` targets
 * the source never used and did not just try: a sweep one port at a time. A client retrying one dead
 * address counts once (the last few targets counted are remembered in `working`).
 */
function failedNewTargets(
  ctx: WindowContext,
  working: number[],
  matureMs: number,
): { obs: TypeObservation; examples: string[] } {
  const w = ctx.window;
  let count = 0;
  const examples: string[] = [];
  for (const target of w.failedTargets) {
    if (knownTarget(ctx, target.slice(0, target.lastIndexOf(':')), matureMs)) continue;
    if (Accumulators.seenTarget(working, hash32(target))) continue;
    count++;
    if (examples.length < 5) examples.push(target);
  }
  return { obs: { count, expected: 0, firstMs: count > 0 ? w.firstFailedMs : NONE }, examples };
}

/**
 * Plain TCP sessions that look like login attempts (guessLikeSessions: short, small, one exchange
 * repeated), where they are (nearly) all the short sessions the edge carried: password guessing with no
 * HTTP status to refuse it, on edges outside the source's baseline (none expected there). Edges of the
 * baseline are left to session_burst, against their own rate: summed in here, a source's busy pooled
 * connections would expect dozens a window and drown one guess every 10 s. Users of a new service ask
 * varied things; a guesser repeats one exchange. New edges are judged only where a plain TCP session
 * means something (`newEdgesJudged`): not for a source seen only at L4 in a mesh seen mostly at L4,
 * whose new dependencies' calls are short sessions too.
 */
function guessedSessions(
  ctx: WindowContext,
  matureMs: number,
  newEdgesJudged: boolean,
): { obs: TypeObservation; examples: string[] } {
  const w = ctx.window;
  let count = 0;
  let firstMs = NONE;
  const examples: string[] = [];
  if (!newEdgesJudged) return { obs: { count, expected: 0, firstMs }, examples };
  for (const [dst, e] of w.edges) {
    if (e.shortSessions === 0 || matureEdge(ctx, dst, matureMs) !== undefined) continue;
    const guesses = guessLikeSessions(e);
    if (guesses * 5 < e.shortSessions * 4) continue;
    count += guesses * uniqueShare(e);
    if (e.firstMs < firstMs) firstMs = e.firstMs;
    if (examples.length < 5) examples.push(dst);
  }
  return { obs: { count, expected: 0, firstMs: count > 0 ? firstMs : NONE }, examples };
}

/**
 * The window's evidence; `working` (the source's accumulators, copied) remembers the targets counted.
 * Edges newer than `matureMs` are judged by the source's refusal share, not their own.
 */
export function windowEvidence(
  ctx: WindowContext,
  working: number[],
  matureMs: number,
  newTcpEdgesJudged: boolean,
): WindowEvidence {
  const d = denials(ctx, matureMs);
  const r = failingNewRoutes(ctx);
  const t = failedNewTargets(ctx, working, matureMs);
  const g = guessedSessions(ctx, matureMs, newTcpEdgesJudged);
  return {
    observations: [d.obs, r.obs, t.obs, g.obs],
    examples: [d.examples, r.examples, t.examples, g.examples],
  };
}
