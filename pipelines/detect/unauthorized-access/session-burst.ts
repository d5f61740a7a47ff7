/**
 * session_burst: password guessing over plain TCP (SSH, FTP, database logins), where no HTTP status
 * says "denied". Each guess is a session that talks briefly and carries little: a burst of such short,
 * small sessions from one source to one service, far above what that edge usually opens, and often of
 * the very same size (one exchange repeated). A port sweep reaches many ports of a host instead; it is
 * connection_sweep's.
 *
 * Sensors that log only L4 (ztunnel, a TCP proxy) see every HTTP request of a client without keep-alive
 * as its own short session: there a busy edge is a burst of short sessions all day. So the burst is
 * judged against the edge's own connection rate whenever the edge has one (also while the source is
 * still learning; an edge without history is not judged then), and the burst counted is the sessions
 * of one exchange repeated (sizes alike): users ask different things and get different answers, a
 * guesser does not, and a traffic surge is more of the usual mix.
 */
import type { Finding } from '../../core/finding.js';
import { SHORT_SESSION_MS, SMALL_SESSION_BYTES, type EdgeWindow } from '../../features/window.js';
import { roundRatio, type WindowContext } from '../detector.js';
import type { UnauthorizedAccessConfig } from './config.js';

export const SESSION_BURST = 'session_burst';

/** Sessions a new edge may open in one window before it is judged (a client warming up its pool). */
const NEW_EDGE_SESSIONS = 4;
/** Windows of history an edge needs before its own connection rate is its baseline. */
const OWN_BASELINE_WINDOWS = 5;

/**
 * Sessions of an edge's window that look like login attempts: the short, small sessions of its most
 * repeated exchange, when short sessions are (nearly) all its TCP sessions; 0 when the edge did real
 * work. The one classification of a guess, for the burst here and for slow_and_low's accumulation.
 */
export function guessLikeSessions(e: EdgeWindow): number {
  if (e.shortSessions === 0 || e.shortSessions < e.tcpSessions * 0.8) return 0;
  return e.repeatedExchangeSessions();
}

function portsOn(targets: ReadonlySet<string>, dst: string): number {
  let n = 0;
  const prefix = `${dst}:`;
  for (const t of targets) if (t.startsWith(prefix) && t.indexOf(':', prefix.length) === -1) n++;
  return n;
}

export function sessionBurst(ctx: WindowContext, cfg: UnauthorizedAccessConfig): Finding | undefined {
  const w = ctx.window;
  let best:
    | { dst: string; e: EdgeWindow; ratio: number; expected: number; own: boolean; repeatedSessions: number }
    | undefined;
  for (const [dst, e] of w.edges) {
    if (e.shortSessions < cfg.min_short_sessions) continue;
    const repeatedSessions = guessLikeSessions(e);
    if (repeatedSessions < cfg.min_short_sessions) continue; // varied exchanges: users, not a script
    const base = ctx.state.findEdge(dst);
    const own = !ctx.newEntity && base !== undefined && base.requestsPerWindow.count >= OWN_BASELINE_WINDOWS;
    // A learning source's new edges are part of the baseline it is learning, not bursts.
    if (!own && ctx.learning) continue;
    const expected = own ? Math.expm1(base.requestsPerWindow.mean) : NEW_EDGE_SESSIONS;
    const ratio = repeatedSessions / Math.max(expected, 1);
    if (ratio < 5) continue;
    if (portsOn(w.targets, dst) > 3) continue; // many ports of one host: a sweep
    if (best === undefined || ratio > best.ratio) best = { dst, e, ratio, expected, own, repeatedSessions };
  }
  if (best === undefined) return undefined;
  const { dst, e, ratio, expected, own, repeatedSessions } = best;
  // One exchange repeated (the same bytes each time) is a script, not users.
  const repeated = e.shortSizes.size <= Math.max(3, e.shortSessions / 10);
  const surprise = Math.min(6, 1.5 + 2 * Math.log10(ratio) + (repeated ? 0.5 : 0));
  const score = 1 - Math.pow(10, -surprise);
  if (score < cfg.threshold) return undefined;
  return {
    detector: SESSION_BURST,
    kind: 'unauthorized_access',
    entity: w.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: e.firstMs,
    evidence: {
      destination: dst,
      short_sessions: e.shortSessions,
      tcp_sessions: e.tcpSessions,
      sessions_of_one_exchange: repeatedSessions,
      baseline_sessions_per_window: Math.round(expected * 10) / 10,
      baseline_of: own ? 'edge' : 'new edge',
      ratio: Math.round(ratio * 10) / 10,
      distinct_session_sizes: e.shortSizes.size,
      repeated_exchange: repeated,
      short_session: `< ${SHORT_SESSION_MS} ms and < ${SMALL_SESSION_BYTES} bytes`,
      failed_ratio: roundRatio(e.failed / e.requests),
      note: 'credential guessing over TCP: no HTTP status to show the refusals',
    },
  };
}
