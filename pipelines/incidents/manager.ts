/**
 * Turns fused candidates into incidents: one per offender within the dedup window (later findings of
 * the same offender are counted, not re-raised), claimed through the shared StateStore so replicas that
 * both see an attack raise it once. Hand-off to the responders is ordered and awaited through drain().
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { severityRank, type Incident, type WorkloadIdentity } from '../core/incident.js';
import type { IncidentHandler } from '../core/pipeline.js';
import type { Metrics } from '../core/metrics.js';
import type { StateStore } from '../core/state-store.js';
import type { FusedCandidate } from './fusion.js';
import { inSpan } from '../core/tracing.js';

export interface OffenderIdentity {
  principal: string;
  namespace: string;
  serviceAccount: string;
  workload: string;
  address: string;
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

export class IncidentManager {
  private readonly raisedUntil = new Map<string, { until: number; incident: Incident }>();
  private chain: Promise<void> = Promise.resolve();
  readonly recent: Incident[] = [];
  raised = 0;
  suppressed = 0;

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
    },
  ) {}

  offer(candidate: FusedCandidate, identity: OffenderIdentity, detectedAtMs: number): void {
    const key = candidate.entity;
    const existing = this.raisedUntil.get(key);
    // One incident per offender within the window, whatever the kinds; only a low-severity oddity may be
    // followed by its own, more severe incident of another kind (it must not hide a real attack).
    const escalates =
      existing !== undefined &&
      existing.incident.severity === 'low' &&
      candidate.kind !== existing.incident.kind &&
      severityRank(candidate.severity) > severityRank(existing.incident.severity);
    if (existing && existing.until > detectedAtMs && !escalates) {
      this.suppressed++;
      const ev = existing.incident.evidence as { later_findings?: number; also_observed?: string[] };
      ev.later_findings = (ev.later_findings ?? 0) + 1;
      if (candidate.kind !== existing.incident.kind) {
        ev.also_observed ??= [];
        if (!ev.also_observed.includes(candidate.kind)) ev.also_observed.push(candidate.kind);
      }
      return;
    }
    const windowBucket = Math.floor(candidate.firstEventMs / this.opts.dedupWindowMs);
    const id = `mg-${offenderHash(`${key}|${candidate.kind}|${windowBucket}`)}`;
    const incident: Incident = {
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
    this.raisedUntil.set(key, { until: detectedAtMs + this.opts.dedupWindowMs, incident });
    this.chain = this.chain.then(() =>
      inSpan(
        'meshguard.incident',
        { 'meshguard.incident.id': incident.id, 'meshguard.incident.kind': incident.kind },
        () => this.raise(incident, key, candidate.firstEventMs),
      ),
    );
  }

  private async raise(incident: Incident, key: string, firstEventMs: number): Promise<void> {
    const { state, metrics, logger } = this.opts;
    let won = true;
    try {
      won = await state.setIfAbsent(
        `incident:${offenderHash(key)}:${incident.kind}`,
        incident.id,
        this.opts.dedupWindowMs,
      );
    } catch (error) {
      // The shared store is down: raise from this replica rather than lose the incident.
      logger.warn({ error: (error as Error).message }, 'Incident dedup store unavailable; raising locally.');
    }
    if (!won) {
      this.suppressed++;
      return;
    }
    let final = incident;
    try {
      final = await this.opts.handler(incident);
    } catch (error) {
      logger.error({ error: (error as Error).message, incident: incident.id }, 'Incident handler failed.');
    }
    this.raised++;
    this.recent.push(final);
    if (this.recent.length > this.opts.maxKept) this.recent.shift();
    metrics.incidents.inc({ kind: final.kind, severity: final.severity });
    const latencyEnd = this.opts.wallNowMs ? this.opts.wallNowMs() : Date.parse(final.detectedAt);
    metrics.detectionLatency.observe(Math.max(0, (latencyEnd - firstEventMs) / 1000));
  }

  drain(): Promise<void> {
    return this.chain;
  }

  /** Forget dedup marks older than the window (bounded memory on long runs). */
  prune(nowMs: number): void {
    for (const [k, v] of this.raisedUntil) if (v.until <= nowMs) this.raisedUntil.delete(k);
  }
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
  if (id.principal === '')
    evidence.identity_note = 'the logs carry no caller identity; the offender is named by its address';
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
    case 'new_external_upload':
    case 'unregistered_egress':
    case 'beaconing':
      return `${e.bytes_uploaded_total} bytes uploaded in ${e.contacts} contacts to new external host ${e.external_host}`;
    default:
      return typeof e.summary === 'string' ? e.summary : `${f.detector} score ${f.score.toFixed(4)}`;
  }
}
