/**
 * Turns fused candidates into incidents: one per offender and kind within the dedup window (later
 * findings are counted, not re-raised, unless more severe: then the incident is raised again), claimed through the shared StateStore so replicas that
 * both see an attack raise it once. Hand-off to the responders is ordered and awaited through drain().
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { severityRank, type Incident, type Severity, type WorkloadIdentity } from '../core/incident.js';
import type { IncidentHandler } from '../core/pipeline.js';
import type { Metrics } from '../core/metrics.js';
import type { StateStore } from '../core/state-store.js';
import { IncidentClaims, type Claimed, type HeldClaim } from './claims.js';
import type { FusedCandidate } from './fusion.js';
import { inSpan } from '../core/tracing.js';

export interface OffenderIdentity {
  principal: string;
  namespace: string;
  serviceAccount: string;
  workload: string;
  address: string;
  /**
   * The address is the connection's direct peer in every record (never from X-Forwarded-For): only then
   * may an address name an offender for a response. Undefined when not known (no address).
   */
  addressDirect?: boolean;
}

export function workloadOf(id: OffenderIdentity): WorkloadIdentity {
  if (id.principal !== '')
    return { namespace: id.namespace, serviceAccount: id.serviceAccount, principal: id.principal };
  const w: WorkloadIdentity = { address: id.address };
  if (id.namespace !== '') w.namespace = id.namespace;
  if (id.workload !== '') w.workload = id.workload;
  return w;
}

export function offenderHash(entity: string): string {
  return createHash('sha256').update(entity).digest('hex').slice(0, 16);
}

/** Default lease of a claim not yet published: below Kafka's default session timeout (30 s). */
export const DEFAULT_CLAIM_LEASE_MS = 10_000;
/**
 * Looks at a claim another replica keeps pending before leaving the incident to it: each look waits out a
 * lease, and a claim taken over again and again is held by a live replica that will publish it.
 */
const MAX_CLAIM_ATTEMPTS = 5;
/** Looking again a little after the lease ends, so clock steps between replicas do not need another try. */
const LEASE_SLACK_MS = 250;

/** This replica's claim on raising an incident (held: confirm it once published). */
interface Claim {
  won: boolean;
  held?: HeldClaim;
  retryAtMs?: number;
}

export class IncidentManager {
  private readonly raisedUntil = new Map<string, { until: number; incident: Incident }>();
  private chain: Promise<void> = Promise.resolve();
  readonly recent: Incident[] = [];
  raised = 0;
  suppressed = 0;
  /** Incidents raised again, more severe (each also counts in `raised`). */
  escalated = 0;
  private readonly claims: IncidentClaims;

  constructor(
    private readonly opts: {
      dedupWindowMs: number;
      maxKept: number;
      state: StateStore;
      metrics: Metrics;
      logger: Logger;
      handler: IncidentHandler;
      /** Wall-clock now, for the event-to-incident latency metric (undefined in replay). */
      wallNowMs?: () => number;
      /** How long a claim not yet published holds off other replicas (default 10 s). */
      claimLeaseMs?: number;
    },
  ) {
    this.claims = new IncidentClaims(
      opts.state,
      opts.dedupWindowMs,
      opts.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS,
      opts.wallNowMs ?? Date.now,
    );
  }

  offer(candidate: FusedCandidate, identity: OffenderIdentity, detectedAtMs: number): void {
    // One incident per offender and kind within the window: a new kind from the same offender (a scan,
    // then exfiltration) is its own incident, alert and response decision.
    const key = `${candidate.entity}|${candidate.kind}`;
    const existing = this.raisedUntil.get(key);
    if (existing && existing.until > detectedAtMs) {
      if (severityRank(candidate.severity) > severityRank(existing.incident.severity)) {
        this.escalate(existing, candidate, identity, detectedAtMs, key);
        return;
      }
      this.suppressed++;
      const ev = existing.incident.evidence as { later_findings?: number };
      ev.later_findings = (ev.later_findings ?? 0) + 1;
      return;
    }
    const windowBucket = Math.floor(candidate.firstEventMs / this.opts.dedupWindowMs);
    const id = `mg-${offenderHash(`${candidate.entity}|${candidate.kind}|${windowBucket}`)}`;
    const incident = incidentOf(id, candidate, identity, detectedAtMs);
    this.raisedUntil.set(key, { until: detectedAtMs + this.opts.dedupWindowMs, incident });
    this.enqueue(incident, claimBase(candidate), candidate.firstEventMs);
  }

  /**
   * Severity grows with evidence: the same offender and kind found again, more severe (a drip that kept
   * sending, a scan that widened), updates its incident and runs the response decision again, so what
   * was alert-only can now be contained. The incident keeps its id; its dedup mark runs on.
   */
  private escalate(
    existing: { until: number; incident: Incident },
    candidate: FusedCandidate,
    identity: OffenderIdentity,
    detectedAtMs: number,
    key: string,
  ): void {
    const before = existing.incident;
    const laterFindings = (before.evidence as { later_findings?: number }).later_findings ?? 0;
    const incident = incidentOf(before.id, candidate, identity, detectedAtMs);
    incident.firstEventTime = before.firstEventTime;
    incident.evidence.escalated_from = escalatedFrom(before.severity, before.score, before.detectedAt);
    incident.evidence.later_findings = laterFindings + 1;
    this.raisedUntil.set(key, { until: existing.until, incident });
    this.escalated++;
    this.enqueue(incident, claimBase(candidate), Date.parse(before.firstEventTime), before);
  }

  /** `escalates`: the incident this one is a more severe update of. */
  private enqueue(
    incident: Incident,
    claimBase: string,
    firstEventMs: number,
    escalates?: Incident,
    attempt = 1,
  ): void {
    this.chain = this.chain.then(() =>
      inSpan(
        'meshguard.incident',
        { 'meshguard.incident.id': incident.id, 'meshguard.incident.kind': incident.kind },
        () => this.raise(incident, claimBase, firstEventMs, escalates, attempt),
      ),
    );
  }

  private async raise(
    incident: Incident,
    claimBase: string,
    firstEventMs: number,
    escalates: Incident | undefined,
    attempt: number,
  ): Promise<void> {
    const { metrics, logger } = this.opts;
    if (escalates !== undefined) {
      // Its claim (raised before this) may have found the incident raised by another replica: that one's.
      incident.id = escalates.id;
      incident.firstEventTime = escalates.firstEventTime;
    }
    let claim: Claim = { won: true };
    try {
      claim = escalates
        ? await this.claimEscalation(incident, claimBase)
        : await this.claimFirst(incident, claimBase);
    } catch (error) {
      // The shared store is down: raise from this replica rather than lose the incident.
      logger.warn({ error: (error as Error).message }, 'Incident dedup store unavailable; raising locally.');
    }
    if (!claim.won && claim.retryAtMs !== undefined && attempt < MAX_CLAIM_ATTEMPTS) {
      this.lookAgain(claim.retryAtMs, () =>
        this.enqueue(incident, claimBase, firstEventMs, escalates, attempt + 1),
      );
      return;
    }
    if (!claim.won) {
      this.suppressed++;
      return;
    }
    let final = incident;
    try {
      final = await this.opts.handler(incident);
    } catch (error) {
      logger.error({ error: (error as Error).message, incident: incident.id }, 'Incident handler failed.');
    }
    if (claim.held)
      await this.claims
        .confirm(claim.held)
        .catch((error: Error) =>
          logger.warn({ error: error.message }, 'Could not confirm an incident claim.'),
        );
    this.raised++;
    // An escalation replaces the incident it updates.
    const at = this.recent.findIndex((i) => i.id === final.id);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.push(final);
    if (this.recent.length > this.opts.maxKept) this.recent.shift();
    metrics.incidents.inc({ kind: final.kind, severity: final.severity });
    const latencyEnd = this.opts.wallNowMs ? this.opts.wallNowMs() : Date.parse(final.detectedAt);
    metrics.detectionLatency.observe(Math.max(0, (latencyEnd - firstEventMs) / 1000));
  }

  /**
   * Another replica claimed this incident and has not published it yet: look again when its lease ends
   * (it publishes, or it died and this replica takes the claim over). Off the chain, so the records
   * behind later incidents are not held up meanwhile.
   */
  private lookAgain(retryAtMs: number, again: () => void): void {
    const waitMs = Math.max(0, retryAtMs - (this.opts.wallNowMs ?? Date.now)()) + LEASE_SLACK_MS;
    this.opts.logger.info(
      { retryInMs: waitMs },
      'Incident claimed by another replica, not published yet; looking again when its lease ends.',
    );
    setTimeout(again, waitMs).unref();
  }

  /** Escalations are claimed per severity: one replica raises each, never one less severe than raised. */
  private async claimEscalation(incident: Incident, claimBase: string): Promise<Claim> {
    const outcome = await this.claims.escalate(claimBase, incident);
    // Another replica may have escalated it since this one last raised it: name what it escalates from.
    const from = incident.evidence.escalated_from as { severity: Severity } | undefined;
    const prior = outcome.won ? outcome.prior : undefined;
    if (prior?.severity && (!from || severityRank(prior.severity) > severityRank(from.severity)))
      incident.evidence.escalated_from = escalatedFromClaim(prior);
    return outcome;
  }

  /**
   * The first raise of an offender and kind here. Another replica may have raised it (the entity's
   * partition moved here since): then this one is a duplicate, unless it is more severe than what was
   * raised, when it is that incident's escalation, as the replica that raised it would have made it.
   * Either way this replica's incident takes the id it holds, so what it raises later escalates that.
   */
  private async claimFirst(incident: Incident, claimBase: string): Promise<Claim> {
    const outcome = await this.claims.open(claimBase, incident);
    if (outcome.won || outcome.retryAtMs !== undefined) return outcome;
    const holder = outcome.holder;
    if (holder === undefined || holder.id === '') return { won: false };
    const own = incident.severity;
    incident.id = holder.id;
    if (holder.firstEventMs !== undefined && holder.firstEventMs < Date.parse(incident.firstEventTime))
      incident.firstEventTime = new Date(holder.firstEventMs).toISOString();
    // A holder that does not name its severity (an older replica's claim) is taken as the same.
    if (holder.severity === undefined || severityRank(own) <= severityRank(holder.severity)) {
      incident.severity = holder.severity ?? own;
      incident.score = holder.score ?? incident.score;
      return { won: false };
    }
    incident.evidence.escalated_from = escalatedFromClaim(holder);
    const escalation = await this.claimEscalation(incident, claimBase);
    if (escalation.won) this.escalated++;
    return escalation;
  }

  drain(): Promise<void> {
    return this.chain;
  }

  /** Forget dedup marks older than the window (bounded memory on long runs). */
  prune(nowMs: number): void {
    for (const [k, v] of this.raisedUntil) if (v.until <= nowMs) this.raisedUntil.delete(k);
  }
}

/** The shared claims of one offender and kind. */
function claimBase(candidate: FusedCandidate): string {
  return `incident:${offenderHash(candidate.entity)}:${candidate.kind}`;
}

/** The evidence naming what an escalation escalates from (this replica's incident, or a shared claim). */
function escalatedFrom(severity: Severity | undefined, score: number | undefined, detectedAt: string) {
  return { severity, score, detectedAt };
}

function escalatedFromClaim(c: Claimed): Record<string, unknown> {
  return escalatedFrom(c.severity, c.score, new Date(c.atMs).toISOString());
}

function incidentOf(
  id: string,
  candidate: FusedCandidate,
  identity: OffenderIdentity,
  detectedAtMs: number,
): Incident {
  return {
    id,
    kind: candidate.kind,
    workload: workloadOf(identity),
    severity: candidate.severity,
    score: Math.round(candidate.score * 10000) / 10000,
    firstEventTime: new Date(candidate.firstEventMs).toISOString(),
    detectedAt: new Date(detectedAtMs).toISOString(),
    detectors: [...new Set(candidate.findings.map((f) => f.detector))],
    evidence: evidenceOf(candidate, identity),
    action: { type: 'alert' },
  };
}

function evidenceOf(c: FusedCandidate, id: OffenderIdentity): Record<string, unknown> {
  const evidence: Record<string, unknown> = {
    summary: summarize(c),
    findings: c.findings.map((f) => ({
      detector: f.detector,
      kind: f.kind,
      score: Math.round(f.score * 10000) / 10000,
      ...f.evidence,
    })),
  };
  if (id.principal === '') {
    evidence.identity_note = 'the logs carry no caller identity; the offender is named by its address';
    evidence.address_direct = id.addressDirect === true;
    if (id.addressDirect !== true)
      evidence.address_note =
        'the address may come from X-Forwarded-For (Envoy logs it with port 0): it is what the client claimed, not proven';
  }
  if (id.workload !== '') evidence.workload_name = id.workload;
  return evidence;
}

function summarize(c: FusedCandidate): string {
  const f = c.findings[0]!;
  const e = f.evidence as Record<string, unknown>;
  switch (f.detector) {
    case 'denial_burst':
      return `${e.denied} of ${e.requests} requests denied (401/403/RBAC) in one window; baseline ratio ${e.baseline_denied_ratio}`;
    case 'plaintext_in_mtls':
      return `${e.plaintext_requests} plaintext requests into mTLS-only services`;
    case 'not_found_burst':
    case 'new_routes':
      return `${e.not_found} 404s and ${e.never_seen_routes} never-seen routes out of ${e.requests} requests; baseline 404 ratio ${e.baseline_not_found_ratio}`;
    case 'new_destinations':
      return `called ${(e.new_destinations as unknown[]).length} destinations never called before (knew ${e.known_destinations})`;
    case 'sensitive_destination':
      return `called sensitive destinations never called before: ${(e.sensitive_destinations as string[]).join(', ')}`;
    case 'edge_volume_down':
    case 'edge_volume_up':
      return `${e.bytes} bytes ${e.direction} ${e.destination} in one window, ${e.ratio}× its baseline`;
    case 'connection_sweep':
      return `${e.failed_connections} failed connections to ${e.never_used_failed_targets} never-used targets (${e.distinct_hosts} hosts, ${e.distinct_ports} ports) in one window`;
    case 'session_burst':
      return `${e.short_sessions} short TCP sessions to ${e.destination} in one window, ${e.ratio}× its usual`;
    case 'single_flow_volume':
      return `one flow of ${e.bytes} bytes ${e.direction} ${e.destination}, ${e.ratio}× its usual size`;
    case 'new_external_upload':
      if (e.provisionally_known === true)
        return `${e.bytes_uploaded_beyond_baseline} bytes uploaded beyond what was learned of external host ${e.external_host} (first contacted while meshguard learned)`;
      return `${e.bytes_uploaded_total} bytes uploaded in ${e.contacts} contacts to new external host ${e.external_host}`;
    case 'unregistered_egress':
    case 'beaconing':
      return `${e.bytes_uploaded_total} bytes uploaded in ${e.contacts} contacts to new external host ${e.external_host}`;
    default:
      return typeof e.summary === 'string' ? e.summary : `${f.detector} score ${f.score.toFixed(4)}`;
  }
}
