/**
 * Least-privilege coverage as the admin API and the dashboard show it: which destination workloads are
 * under an enforced ALLOW policy, which have one in dry-run (being verified), which have none, and how
 * many calls each dry-run policy would have denied.
 */

export type PolicyState = 'dry_run' | 'pending_approval' | 'enforced';

export interface PolicyCoverage {
  namespace: string;
  policy: string;
  /** The destination workload it protects (`meshguard.io/workload`). */
  workload: string;
  mesh: 'istio' | 'linkerd' | 'consul';
  state: PolicyState;
  /** Calls Istio's shadow evaluation says this policy would have denied since it was applied. */
  wouldDeny: number;
  appliedAt: string;
  lastWouldDenyAt?: string;
  /** When the clean period ends (or ended), counted from the last would-be denial. */
  cleanSince: string;
  promotedAt?: string;
}

export interface CoverageReport {
  destinations: { enforced: number; dry_run: number; uncovered: number };
  policies: PolicyCoverage[];
  /** `<namespace>/<workload>` of destinations seen receiving calls with no least-privilege policy. */
  uncovered: string[];
}

/** What the admin API reads coverage from (the verifier in service mode). */
export interface CoverageSource {
  coverage(): CoverageReport;
}

export const EMPTY_COVERAGE: CoverageReport = {
  destinations: { enforced: 0, dry_run: 0, uncovered: 0 },
  policies: [],
  uncovered: [],
};
