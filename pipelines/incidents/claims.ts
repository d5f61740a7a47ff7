/**
 * Incident claims in the shared store, so replicas that both see an offender raise its incident once,
 * and each escalation of it once. Kept per dedup window of event time (see IncidentClaims.open).
 *
 * A claim names the severity it raised. The replica an entity moved to (a kill, a rebalance) has none of
 * the old owner's memory of the incident: without the severity in the shared claim it could only take a
 * more severe finding of the same offender for a duplicate of the incident raised before the move, and the
 * escalation replay raises was lost.
 *
 * A claim is written pending, with a lease, and confirmed once the incident is published. A replica
 * killed between its claim and its publish leaves a pending claim: the replica its records move to finds
 * the incident again, and takes the claim over once the lease has run out, instead of taking the claim
 * for an incident someone raised (which lost it for good). A live lease means the claimant may still
 * publish: the contender looks again when the lease ends.
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
  /** Wall time the claimant's lease ends, while it has not published (absent: published). */
  pendingUntilMs?: number;
}

/** A claim this replica holds, pending until `IncidentClaims.confirm` (after the incident is published). */
export interface HeldClaim {
  key: string;
  value: string;
}

/** Won (confirm `held` once published), lost to a published claim, or held pending elsewhere. */
export type ClaimOutcome =
  { won: true; held: HeldClaim; prior?: Claimed } | { won: false; holder?: Claimed; retryAtMs?: number };

const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export function claimValue(incident: Incident): string {
  const first = Date.parse(incident.firstEventTime);
  return `${Date.parse(incident.detectedAt)} ${incident.id} ${incident.severity} ${incident.score} ${first}`;
}

/**
 * `<atMs> <id>[ <severity> <score> <firstEventMs>[ <pendingUntilMs>]]`: the older forms still read, and
 * an older replica reads a pending claim as a published one.
 */
export function parseClaim(value: string | undefined): Claimed | undefined {
  if (value === undefined) return undefined;
  const [at, id, severity, score, first, pendingUntil] = value.split(' ');
  const atMs = Number.parseInt(at ?? '', 10);
  if (!Number.isFinite(atMs)) return undefined;
  const claimed: Claimed = { atMs, id: id ?? '' };
  if (SEVERITIES.includes(severity as Severity)) claimed.severity = severity as Severity;
  if (Number.isFinite(Number(score))) claimed.score = Number(score);
  if (Number.isFinite(Number(first))) claimed.firstEventMs = Number(first);
  if (pendingUntil !== undefined && Number.isFinite(Number(pendingUntil)))
    claimed.pendingUntilMs = Number(pendingUntil);
  return claimed;
}

export class IncidentClaims {
  constructor(
    private readonly state: StateStore,
    private readonly windowMs: number,
    private readonly leaseMs: number,
    private readonly wallNowMs: () => number,
  ) {}

  /** The incident is published: its claim no longer expires by lease (unless another took it over). */
  async confirm(held: HeldClaim): Promise<void> {
    const published = held.value.split(' ').slice(0, 5).join(' ');
    await this.state.replaceIf(held.key, held.value, published, 2 * this.windowMs);
  }

  private pending(incident: Incident): string {
    return `${claimValue(incident)} ${this.wallNowMs() + this.leaseMs}`;
  }

  /** Write `mine` at `key` if it is free, or held by a pending claim whose lease ran out. */
  private async take(key: string, mine: string): Promise<ClaimOutcome> {
    // Kept two windows of wall time: enough while event time keeps up with the wall clock or runs ahead.
    if (await this.state.setIfAbsent(key, mine, 2 * this.windowMs))
      return { won: true, held: { key, value: mine } };
    const raw = await this.state.get(key);
    const holder = parseClaim(raw);
    if (raw === undefined || holder === undefined) return { won: false };
    return this.contest(key, raw, holder, mine);
  }

  /** A claim found at `key`: published (lost), pending under a live lease (look again), or abandoned. */
  private async contest(key: string, raw: string, holder: Claimed, mine: string): Promise<ClaimOutcome> {
    if (holder.pendingUntilMs === undefined) return { won: false, holder };
    if (holder.pendingUntilMs > this.wallNowMs())
      return { won: false, holder, retryAtMs: holder.pendingUntilMs };
    if (await this.state.replaceIf(key, raw, mine, 2 * this.windowMs))
      return { won: true, held: { key, value: mine } };
    // Another replica changed it meanwhile: look again at once.
    return { won: false, holder, retryAtMs: this.wallNowMs() };
  }

  /**
   * Claim the first raise of an offender and kind (`base` names both), in event time as the local dedup:
   * the claim is kept per dedup window of event time, and one in the window before counts while it is less
   * than a window older. So the same offender and kind found again a window or more later in event time (a
   * backlog read after an outage, then live traffic) is raised again, as replay raises it, however little
   * wall time passed. A lost claim names what holds it, when the store still says.
   */
  async open(base: string, incident: Incident): Promise<ClaimOutcome> {
    const atMs = Date.parse(incident.detectedAt);
    const bucket = Math.floor(atMs / this.windowMs);
    const earlierKey = `${base}:${bucket - 1}`;
    const raw = await this.state.get(earlierKey);
    const earlier = parseClaim(raw);
    if (raw !== undefined && earlier !== undefined && atMs - earlier.atMs < this.windowMs)
      return this.contest(earlierKey, raw, earlier, this.pending(incident));
    return this.take(`${base}:${bucket}`, this.pending(incident));
  }

  /**
   * Claim the escalation of incident `incident.id` to `incident.severity`: lost when any replica raised
   * that incident at this severity or above (its first raise or an escalation). On a win, `prior` is the
   * most severe of it raised before, when the store still holds it.
   */
  async escalate(base: string, incident: Incident): Promise<ClaimOutcome> {
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
    const now = this.wallNowMs();
    for (let i = 0; i < keys.length; i++) {
      const c = parseClaim(values[i]);
      if (c === undefined || c.id !== incident.id || atMs - c.atMs >= this.windowMs) continue;
      // An abandoned claim (lease run out, never published) was not raised.
      if (c.pendingUntilMs !== undefined && c.pendingUntilMs <= now) continue;
      c.severity = keys[i]!.severity ?? c.severity;
      if (rank(c) >= severityRank(incident.severity))
        return c.pendingUntilMs === undefined ? { won: false } : { won: false, retryAtMs: c.pendingUntilMs };
      if (prior === undefined || rank(c) > rank(prior)) prior = c;
    }
    const outcome = await this.take(`${base}:${incident.severity}:${bucket}`, this.pending(incident));
    return outcome.won && prior ? { ...outcome, prior } : outcome;
  }
}
