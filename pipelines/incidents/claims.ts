/**
 * Incident claims in the shared store, so replicas that both see an offender raise its incident once,
 * and each escalation of it once. Kept per dedup window of event time (see IncidentClaims.open).
 *
 * A claim names the severity it raised. The replica an entity moved to (a kill, a rebalance) has none of
 * the old owner's memory of the incident: without the severity in the shared claim it could only take a
 * more severe finding of the same offender for a duplicate of the incident raised before the move, and the
 * escalation replay raises was lost.
 */
import { severityRank, type Incident, type Severity } from '../core/incident.js';
import type { StateStore } from '../core/state-store.js';

/** What a claim in the store says was raised. */
export interface Claimed {
  /** Event time it was raised at (detectedAt). */
  atMs: number;
  id: string;
  /** Undefined for claims written before claims named their severity. */
  severity?: Severity;
  score?: number;
  firstEventMs?: number;
}

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function claimValue(incident: Incident): string {
  const first = Date.parse(incident.firstEventTime);
  return `${Date.parse(incident.detectedAt)} ${incident.id} ${incident.severity} ${incident.score} ${first}`;
}

/** `<atMs> <id>[ <severity> <score> <firstEventMs>]`: the older two-field form still reads. */
export function parseClaim(value: string | undefined): Claimed | undefined {
  if (value === undefined) return undefined;
  const [at, id, severity, score, first] = value.split(' ');
  const atMs = Number.parseInt(at ?? '', 10);
  if (!Number.isFinite(atMs)) return undefined;
  const claimed: Claimed = { atMs, id: id ?? '' };
  if (SEVERITIES.includes(severity as Severity)) claimed.severity = severity as Severity;
  if (Number.isFinite(Number(score))) claimed.score = Number(score);
  if (Number.isFinite(Number(first))) claimed.firstEventMs = Number(first);
  return claimed;
}

export type OpenOutcome = { won: true } | { won: false; holder?: Claimed };

export class IncidentClaims {
  constructor(
    private readonly state: StateStore,
    private readonly windowMs: number,
  ) {}

  /**
   * Claim the first raise of an offender and kind (`base` names both), in event time as the local dedup:
   * the claim is kept per dedup window of event time, and one in the window before counts while it is less
   * than a window older. So the same offender and kind found again a window or more later in event time (a
   * backlog read after an outage, then live traffic) is raised again, as replay raises it, however little
   * wall time passed. A lost claim names what holds it, when the store still says.
   */
  async open(base: string, incident: Incident): Promise<OpenOutcome> {
    const atMs = Date.parse(incident.detectedAt);
    const bucket = Math.floor(atMs / this.windowMs);
    const earlier = parseClaim(await this.state.get(`${base}:${bucket - 1}`));
    if (earlier !== undefined && atMs - earlier.atMs < this.windowMs) return { won: false, holder: earlier };
    // Kept two windows of wall time: enough while event time keeps up with the wall clock or runs ahead.
    if (await this.state.setIfAbsent(`${base}:${bucket}`, claimValue(incident), 2 * this.windowMs))
      return { won: true };
    return { won: false, holder: parseClaim(await this.state.get(`${base}:${bucket}`)) };
  }

  /**
   * Claim the escalation of incident `incident.id` to `incident.severity`: lost when any replica raised
   * that incident at this severity or above (its first raise or an escalation). On a win, `prior` is the
   * most severe of it raised before, when the store still holds it.
   */
  async escalate(base: string, incident: Incident): Promise<{ won: boolean; prior?: Claimed }> {
    const atMs = Date.parse(incident.detectedAt);
    const bucket = Math.floor(atMs / this.windowMs);
    // The first raise's claim names its severity; an escalation's key does (older claims name it there only).
    const keys: Array<{ key: string; severity?: Severity }> = [];
    for (const b of [bucket - 1, bucket]) {
      keys.push({ key: `${base}:${b}` });
      for (const severity of SEVERITIES) keys.push({ key: `${base}:${severity}:${b}`, severity });
    }
    const values = await Promise.all(keys.map(({ key }) => this.state.get(key)));
    const rank = (c: Claimed) => (c.severity === undefined ? -1 : severityRank(c.severity));
    let prior: Claimed | undefined;
    for (let i = 0; i < keys.length; i++) {
      const c = parseClaim(values[i]);
      if (c === undefined || c.id !== incident.id || atMs - c.atMs >= this.windowMs) continue;
      c.severity = keys[i]!.severity ?? c.severity;
      if (rank(c) >= severityRank(incident.severity)) return { won: false };
      if (prior === undefined || rank(c) > rank(prior)) prior = c;
    }
    const key = `${base}:${incident.severity}:${bucket}`;
    const won = await this.state.setIfAbsent(key, claimValue(incident), 2 * this.windowMs);
    return won ? { won, prior } : { won };
  }
}
