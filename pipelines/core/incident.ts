/** The incident contract, relied on from outside: one JSON object per line in replay, the same in alerts and the API. */
export type IncidentKind =
  'unauthorized_access' | 'exfiltration' | 'lateral_movement' | 'scanning' | 'anomaly';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

export type WorkloadIdentity =
  | { namespace: string; serviceAccount: string; principal: string }
  | { address: string; namespace?: string; workload?: string };

/** How a quarantine policy is applied: `dry-run` (annotated istio.io/dry-run: Istio logs, does not enforce) or `enforce`. */
export type QuarantineApplyMode = 'dry-run' | 'enforce';
/** The mode of a quarantine on its incident and its record: how its policy is applied, or waiting for approval. */
export type QuarantineMode = QuarantineApplyMode | 'pending-approval';

export interface IncidentAction {
  type: 'alert' | 'quarantine';
  mode?: QuarantineMode;
  policy?: string;
  /** Why the responder chose this action (guardrail that applied, cap reached, ...). */
  reason?: string;
  /** What could not be enforced with this mesh's layout (e.g. egress without an egress gateway). */
  notEnforced?: string[];
  /** The exact command that undoes the action. */
  undo?: string;
  /**
   * `contain-to-baseline`: the offender was contained to its learned edges instead of quarantined
   * (graduated containment for medium severity); absent for a full quarantine.
   */
  containment?: 'contain-to-baseline';
}

export interface Incident {
  id: string;
  kind: IncidentKind;
  workload: WorkloadIdentity;
  severity: Severity;
  score: number;
  firstEventTime: string;
  detectedAt: string;
  detectors: string[];
  evidence: Record<string, unknown>;
  action: IncidentAction;
}
