/** The contract of a window detector and what it is given for each source workload and closed window. */
import type { Finding } from '../core/finding.js';
import type { IncidentKind } from '../core/incident.js';
import type { EntityState } from '../features/entity-state.js';
import type { SourceWindow } from '../features/window.js';
import type { EwStat } from '../features/stats.js';
import type { DetectorsConfig } from './config.js';

/** Population baselines: how all sources behave, for entities without a baseline of their own. */
export interface PeerBaselines {
  deniedRatio: EwStat;
  notFoundRatio: EwStat;
  /** Destination → inbound requests seen with and without mTLS. */
  destinationMtls: Map<string, { mtls: number; plaintext: number }>;
  /** The same, summed over the whole mesh (for destinations seen too rarely to judge alone). */
  meshMtls: { mtls: number; plaintext: number };
}

export interface WindowContext {
  startMs: number;
  endMs: number;
  window: SourceWindow;
  /** The source's baseline before this window is folded in. */
  state: EntityState;
  /** The source is still in its own learning period: baseline-relative detectors stay quiet. */
  learning: boolean;
  /** The source appeared after meshguard's warm-up: no baseline of its own, judge against peers. */
  newEntity: boolean;
  /** The whole pipeline is still warming up (no peer baseline either). */
  warmingUp: boolean;
  peers: PeerBaselines;
  /** Route templates this source never used before, and whether their requests mostly failed. */
  newRoutes: Array<{ template: string; failing: boolean }>;
  newDestinations: string[];
  config: DetectorsConfig;
  /** Calls to sensitive destinations (Kubernetes API, cloud metadata) in this window. */
  sensitiveCalls: readonly SensitiveCall[];
}

export interface SensitiveCall {
  destination: string;
  method: string;
  path: string;
  status: number;
  timeMs: number;
}

export interface WindowDetector {
  readonly name: string;
  readonly kind: IncidentKind;
  evaluate(ctx: WindowContext): Finding | undefined;
}

/** Hosts that a workload has no business calling unless it always did (Falco's rules say the same). */
export function isSensitiveDestination(host: string): boolean {
  // Cheap first-character screen: this runs on the hot path.
  const c = host.charCodeAt(0);
  if (c !== 107 && c !== 49 && c !== 109 && c !== 102) return false; // k, 1, m, f
  const h = host.toLowerCase();
  return (
    h === '169.254.169.254' ||
    h === 'metadata.google.internal' ||
    h === 'metadata' ||
    h === '100.100.100.200' ||
    h === 'fd00:ec2::254' ||
    h.startsWith('kubernetes.default') ||
    h === 'kubernetes'
  );
}

export function isKubernetesApi(host: string): boolean {
  return host.startsWith('kubernetes');
}

/**
 * What makes a Kubernetes API call an attacker's: reading secrets or tokens, exec, asking what it may
 * do. (Refusals and walking the API count too, in the lateral-movement detector.) Housekeeping jobs that always called it do none of these.
 */
export function isSuspiciousKubernetesCall(c: SensitiveCall): boolean {
  return (
    c.path.includes('/secrets') ||
    c.path.includes('/token') ||
    c.path.includes('/exec') ||
    c.path.includes('selfsubject') ||
    c.path.includes('clusterrole')
  );
}
