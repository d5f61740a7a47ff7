/**
 * What a quarantine is once decided: its record (kept in the StateStore, listed by the admin API), the
 * action it puts on its incident, and the error the operator-facing methods throw.
 */
import { randomBytes } from 'node:crypto';
import type { Incident, IncidentAction, QuarantineMode, WorkloadIdentity } from '../../core/incident.js';
import type { Offender } from './policy.js';
import type { ChangeState, MeshName, MeshResource } from './mesh/resource.js';
import type { MeshPlan } from './mesh/writer.js';

export type QuarantineState = 'pending-approval' | 'active' | 'released' | 'failed';

export interface QuarantineRecord {
  /** The quarantine id: the name of its (first) policy. */
  id: string;
  /** Unique per record written (ids repeat when an offender is quarantined again after a release). */
  revision: string;
  state: QuarantineState;
  mode: QuarantineMode;
  offender: WorkloadIdentity;
  offenderHash: string;
  /** The incident that caused it (a synthetic one for manual quarantines). */
  incident: Incident;
  scope: 'mesh-wide' | 'namespaces';
  /** The mesh whose resources these are (absent in records written before meshes other than Istio). */
  mesh?: MeshName;
  /** The resources meshguard put (or puts, once approved) in place. */
  policies: MeshResource[];
  /** How each of `policies` is put in place, with what its merge took away (absent: all created). */
  changes?: ChangeState[];
  /** Resources meshguard suggests but never applies (a NetworkPolicy, a dry-run Consul or Cilium policy). */
  suggestions: MeshResource[];
  notEnforced: string[];
  /**
   * `contain-to-baseline`: the offender keeps its learned edges and loses every other (a medium incident,
   * containment.ts); `quarantine` (or absent, in older records): it is cut off.
   */
  containment?: 'quarantine' | 'contain-to-baseline';
  /** With containment: the destinations the offender may still call. */
  kept?: string[];
  reason: string;
  undo: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  approvedBy?: string;
  approvedAt?: string;
  releasedBy?: string;
  releasedAt?: string;
  releaseReason?: string;
  error?: string;
}

export type QuarantineErrorCode = 'not_found' | 'conflict' | 'forbidden' | 'invalid' | 'sink_failed';

/** Thrown by the operator-facing methods (approve, release, manual); decide() never throws. */
export class QuarantineError extends Error {
  constructor(
    readonly code: QuarantineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QuarantineError';
  }
}

/** Whether the record contains its offender to its baseline rather than cutting it off. */
export function isContainment(record: QuarantineRecord): boolean {
  return record.containment === 'contain-to-baseline';
}

/** Active or waiting for approval: the offender is (or is about to be) quarantined. */
export function isLive(record: QuarantineRecord): boolean {
  return record.state === 'active' || record.state === 'pending-approval';
}

/** A fresh record for a plan; `pending-approval` mode makes it wait, any other mode makes it active. */
export function newRecord(
  plan: MeshPlan,
  incident: Incident,
  offender: Offender,
  by: string,
  now: number,
  mode: QuarantineMode,
): QuarantineRecord {
  return {
    id: plan.id,
    revision: randomBytes(8).toString('hex'),
    state: mode === 'pending-approval' ? 'pending-approval' : 'active',
    mode,
    offender: incident.workload,
    offenderHash: offender.hash,
    incident: { ...incident, action: { ...incident.action } },
    scope: plan.scope,
    policies: plan.policies,
    changes: plan.changes,
    suggestions: plan.suggestions,
    notEnforced: plan.notEnforced,
    containment: plan.containment ?? 'quarantine',
    ...(plan.kept ? { kept: plan.kept } : {}),
    reason: plan.reason,
    undo: plan.undo,
    createdBy: by,
    createdAt: new Date(now).toISOString(),
    expiresAt: plan.expiresAt,
  };
}

/** The action a quarantine puts on its incident. */
export function actionOf(record: QuarantineRecord, reason: string): IncidentAction {
  const action: IncidentAction = {
    type: 'quarantine',
    mode: record.mode,
    policy: record.id,
    reason,
    undo: record.undo,
  };
  if (record.containment === 'contain-to-baseline') action.containment = 'contain-to-baseline';
  if (record.notEnforced.length) action.notEnforced = [...record.notEnforced];
  return action;
}

/** The reason given when an offender already has a live quarantine. */
export function alreadyQuarantined(record: QuarantineRecord): string {
  const as = isContainment(record) ? 'contained to its baseline' : 'quarantined';
  return `offender already ${as} as ${record.id} (incident ${record.incident.id})`;
}
