/**
 * The guardrails that decide whether an incident may quarantine its offender: enabled, an offender a
 * policy can match, protected namespaces and principals (never quarantined, not even by hand), a minimum
 * severity, approval below a severity, and the blast-radius cap per window (held across replicas through
 * the StateStore). The order they apply in is decide.ts; the TTL is the plan's (policy.ts) and expiry's.
 */
import { severityRank, type Incident } from '../../core/incident.js';
import type { StateStore } from '../../core/state-store.js';
import type { QuarantineConfig } from './config.js';
import { describeOffender, toPolicyPrincipal, type Offender } from './policy.js';
import { NO_PROTECTION, type Protection } from './protection.js';

/** Built-in protected namespaces: the control plane and Kubernetes itself. meshguard's own is added from config. */
export const BUILT_IN_PROTECTED_NAMESPACES = ['kube-system', 'istio-system'] as const;

const CAP = 'quarantine-cap:';
const WEAK_CAP = 'quarantine-cap-weak:';

export function protectedNamespaces(
  cfg: QuarantineConfig,
  protection: Protection = NO_PROTECTION,
): Set<string> {
  return new Set(
    [
      ...BUILT_IN_PROTECTED_NAMESPACES,
      cfg.own_namespace,
      ...cfg.protected_namespaces,
      ...protection.namespaces,
    ].filter(Boolean),
  );
}

/** Why this offender must never be quarantined, or undefined when it may be. */
export function protectedReason(
  offender: Offender,
  cfg: QuarantineConfig,
  protection: Protection = NO_PROTECTION,
): string | undefined {
  const namespaces = protectedNamespaces(cfg, protection);
  if (offender.namespace && namespaces.has(offender.namespace))
    return `namespace "${offender.namespace}" is protected (never quarantined): alert only`;
  if (offender.principal) {
    const ns = /\/ns\/([^/]+)\/sa\//.exec(offender.principal)?.[1];
    if (ns && namespaces.has(ns)) return `namespace "${ns}" is protected (never quarantined): alert only`;
    const protectedPrincipals = new Set(cfg.protected_principals.map(toPolicyPrincipal));
    if (protectedPrincipals.has(offender.principal))
      return `principal "${offender.principal}" is protected (quarantine.protected_principals): alert only`;
  }
  if (offender.address) {
    if (protection.addresses.has(offender.address))
      return `address ${offender.address} is one of meshguard's own dependencies or its API server (never quarantined): alert only`;
    const owner = protection.addressOwner?.(offender.address);
    if (owner && namespaces.has(owner.namespace))
      return `address ${offender.address} is bound to pod ${owner.namespace}/${owner.pod} in a protected namespace (never quarantined): alert only`;
  }
  return undefined;
}

/** The outcome of the guardrails that need no state: the offender, or why the incident only alerts. */
export type Screening =
  | { ok: true; offender: Offender }
  | {
      ok: false;
      /** The `result` label of meshguard_quarantine_actions_total{action="skip"}. */
      result: 'disabled' | 'invalid' | 'unproven_address' | 'protected' | 'below_min_severity';
      /** The reason put on the incident's action. */
      reason: string;
      /** For `invalid`: what is wrong with the incident's workload. */
      error?: string;
    };

/**
 * enabled → an offender a policy can match → an address only when it is the connection's own peer → not
 * protected → an address only when bound to a known pod (once pods are known) → severity at least
 * min_severity.
 */
export function screenIncident(
  incident: Incident,
  cfg: QuarantineConfig,
  trustDomain: string,
  protection: Protection = NO_PROTECTION,
): Screening {
  if (!cfg.enabled)
    return {
      ok: false,
      result: 'disabled',
      reason: 'quarantine is disabled (quarantine.enabled: false): alert only',
    };
  const described = describeOffender(incident.workload, trustDomain);
  if (!described.ok)
    return {
      ok: false,
      result: 'invalid',
      reason: `cannot quarantine: ${described.error}`,
      error: described.error,
    };
  // An address the client could have chosen (X-Forwarded-For, logged with port 0) names nobody for sure:
  // quarantining it would cut off whoever the client claimed to be.
  if (!described.offender.principal && incident.evidence.address_direct === false)
    return {
      ok: false,
      result: 'unproven_address',
      reason: `address ${described.offender.address} is what the client claimed (not the connection's own peer): alert only`,
    };
  const protectedWhy = protectedReason(described.offender, cfg, protection);
  if (protectedWhy) return { ok: false, result: 'protected', reason: protectedWhy };
  // Pod IPs are reused: once the pods are known, an address bound to none of them now (its pod is gone, or
  // it is no pod at all) would cut off whoever gets it next.
  const address = described.offender.address;
  if (
    !described.offender.principal &&
    address &&
    protection.podsKnown?.() &&
    !protection.addressOwner?.(address)
  )
    return {
      ok: false,
      result: 'unproven_address',
      reason: `address ${address} is bound to no pod meshguard knows now (its pod is gone, or it is not a pod): alert only`,
    };
  if (severityRank(incident.severity) < severityRank(cfg.min_severity))
    return {
      ok: false,
      result: 'below_min_severity',
      reason: `severity ${incident.severity} is below quarantine.min_severity (${cfg.min_severity}): alert only`,
    };
  return { ok: true, offender: described.offender };
}

/** Whether a person must approve this incident's quarantine before anything is applied. */
export function needsApproval(incident: Incident, cfg: QuarantineConfig): boolean {
  return severityRank(incident.severity) < severityRank(cfg.approval_below_severity);
}

/**
 * Whether an incident is strong evidence against a verified identity: an mTLS principal, severity high or
 * critical, and either two detectors agreeing or a score of at least 0.9. Weak incidents (an address, one
 * borderline detector) draw from only half of the blast-radius cap, so cheap decoys cannot spend it all.
 */
export function isStrongEvidence(incident: Incident): boolean {
  return (
    'principal' in incident.workload &&
    severityRank(incident.severity) >= severityRank('high') &&
    (incident.detectors.length >= 2 || incident.score >= 0.9)
  );
}

/**
 * At most max_per_window automatic quarantines per cap_window_secs, of which weak incidents may take at
 * most half. Each quarantine claims a slot `quarantine-cap:<bucket>:<slot>` with setIfAbsent (a weak one
 * first a slot of its own pool `quarantine-cap-weak:`), so the cap holds across replicas. Past the cap a
 * quarantine waits for approval (decide.ts): it is never silently downgraded to an alert.
 */
export class BlastRadiusCap {
  constructor(
    private readonly cfg: Pick<QuarantineConfig, 'max_per_window' | 'cap_window_secs'>,
    private readonly store: StateStore,
  ) {}

  /** The reason a quarantine waits for approval once the window is full. */
  get reachedReason(): string {
    return `blast-radius cap reached: ${this.cfg.max_per_window} quarantines within ${this.cfg.cap_window_secs}s (quarantine.max_per_window)`;
  }

  /** Slots taken within the window ending at `now` (the same count take() checks against). */
  async used(now: number): Promise<number> {
    const windowMs = this.cfg.cap_window_secs * 1000;
    const bucket = Math.floor(now / windowMs);
    let used = 0;
    for (const b of [bucket - 1, bucket])
      for (const key of await this.store.keys(`${CAP}${b}:`)) {
        const at = Number(await this.store.get(key));
        if (Number.isFinite(at) && at > now - windowMs) used++;
      }
    return used;
  }

  /** The most slots weak incidents may hold within one window. */
  get weakShare(): number {
    return Math.floor(this.cfg.max_per_window / 2);
  }

  /** Take one slot of the cap at `now`; false when the window is full (for weak incidents: their half). */
  async take(now: number, strong = true): Promise<boolean> {
    if (!strong && !(await this.takeFrom(WEAK_CAP, this.weakShare, now))) return false;
    return this.takeFrom(CAP, this.cfg.max_per_window, now);
  }

  private async takeFrom(prefix: string, max: number, now: number): Promise<boolean> {
    if (max <= 0) return false;
    const windowMs = this.cfg.cap_window_secs * 1000;
    const bucket = Math.floor(now / windowMs);
    // Sliding window from two fixed buckets: slots of the previous bucket still count while they are
    // younger than the window, so a burst across a bucket boundary cannot double the cap.
    let stillLive = 0;
    for (const key of await this.store.keys(`${prefix}${bucket - 1}:`)) {
      const at = Number(await this.store.get(key));
      if (Number.isFinite(at) && at > now - windowMs) stillLive++;
    }
    for (let slot = 0; slot + stillLive < max; slot++) {
      if (await this.store.setIfAbsent(`${prefix}${bucket}:${slot}`, String(now), windowMs * 2)) return true;
    }
    return false;
  }
}
