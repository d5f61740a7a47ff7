/**
 * What one window of a source holds of each slow-and-low evidence type, and how much of it the
 * source's baseline expects: its own rates once it has them (per edge for refusals), its peers' before.
 * The types are narrow on purpose: benign traffic shows almost none of them, so a few a minute stand out.
 */
import { hash32 } from '../../../models/neural/request-model/network.js';
import type { WindowContext } from '../detector.js';
import { Accumulators, type TypeObservation } from './accumulator.js';

/** An edge's own refusal share needs this many windows of history to stand for the edge. */
const OWN_EDGE_WINDOWS = 5;
const NONE = Number.MAX_SAFE_INTEGER;

/** The window's evidence, in EVIDENCE_TYPES order, and what a person needs to read it. */
export interface WindowEvidence {
  observations: [TypeObservation, TypeObservation, TypeObservation];
  /** Destinations the refusals came from, new failing route templates, fresh failed targets. */
  examples: [string[], string[], string[]];
}

/** The source's own share of `ratio` once it has one, else its peers'. */
function established(ctx: WindowContext): boolean {
  return !ctx.learning && !ctx.newEntity && ctx.state.deniedRatio.count >= 3;
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
    const base = own ? ctx.state.findEdge(dst) : undefined;
    // An edge stands for itself once it is older than the accumulators' memory: a newer one may have
    // learned its share from the very attack.
    const mature =
      base !== undefined &&
      base.deniedRatio.count >= OWN_EDGE_WINDOWS &&
      (base.firstCalledMs === 0 || ctx.endMs - base.firstCalledMs > matureMs);
    // A request logged by both sidecars is two records: count requests, not records.
    const unique = Math.max(e.inbound, e.requests - e.inbound) / e.requests;
    expected += e.requests * unique * (mature ? base.deniedRatio.mean : sourceRatio);
    count += e.denied * unique;
    if (e.denied > 0 && examples.length < 5) examples.push(dst);
  }
  return { obs: { count, expected, firstMs: count > 0 ? w.firstDeniedMs : NONE }, examples };
}

/**
 * Route templates the source never used whose requests mostly failed (a scanner's wordlist, one path at
 * a time), when they are most of the new routes of the window, expected at its usual failure share
 * over the new routes it opened.
 */
function failingNewRoutes(ctx: WindowContext): { obs: TypeObservation; examples: string[] } {
  const w = ctx.window;
  // No failed request, no failing route: the routes need not be templated.
  if (ctx.learning || w.pathErrors.size === 0)
    return { obs: { count: 0, expected: 0, firstMs: NONE }, examples: [] };
  const s = ctx.state;
  const failRatio = established(ctx)
    ? s.notFoundRatio.mean + s.deniedRatio.mean
    : ctx.peers.notFoundRatio.mean + ctx.peers.deniedRatio.mean;
  const examples: string[] = [];
  let count = 0;
  for (const r of ctx.newRoutes)
    if (r.failing) {
      count++;
      if (examples.length < 5) examples.push(r.template);
    }
  // A source whose paths do not template (an image per SKU) opens new routes all day and some fail: only
  // when most of the window's new routes fail is it walking a wordlist.
  if (count * 2 < ctx.newRoutes.length) count = 0;
  return {
    obs: {
      count,
      expected: ctx.newRoutes.length * failRatio,
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
 * The window's evidence; `working` (the source's accumulators, copied) remembers the targets counted.
 * Edges newer than `matureMs` are judged by the source's refusal share, not their own.
 */
export function windowEvidence(ctx: WindowContext, working: number[], matureMs: number): WindowEvidence {
  const d = denials(ctx, matureMs);
  const r = failingNewRoutes(ctx);
  const t = failedNewTargets(ctx, working, matureMs);
  return { observations: [d.obs, r.obs, t.obs], examples: [d.examples, r.examples, t.examples] };
}
