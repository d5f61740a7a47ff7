/**
 * The contract of a window detector family and what it is given for each source workload and closed
 * window. A family is one folder, one config section (`detectors.<type>`), one incident kind, and the
 * detector names its findings carry in incidents (`names`).
 */
import type { Factory } from '../core/component.js';
import type { MeshEvent } from '../core/event.js';
import type { Finding } from '../core/finding.js';
import type { IncidentKind } from '../core/incident.js';
import type { TSchema } from '@sinclair/typebox';
import type { EntityState } from '../features/entity-state.js';
import type { SourceWindow } from '../features/window.js';
import type { EwStat } from '../features/stats.js';
import type { DestinationFlowBaselines } from '../features/destination-flows.js';

/** Population baselines: how all sources behave, for entities without a baseline of their own. */
export interface PeerBaselines {
  deniedRatio: EwStat;
  notFoundRatio: EwStat;
  /** Destination → inbound requests seen with and without mTLS. */
  destinationMtls: Map<string, { mtls: number; plaintext: number }>;
  /** The same, summed over the whole mesh (for destinations seen too rarely to judge alone). */
  meshMtls: { mtls: number; plaintext: number };
  /** What each destination usually answers per request over all its callers, and its largest flow. */
  destinationFlows: DestinationFlowBaselines;
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
  /** Every detector name its findings may carry: the names incidents list in `detectors`. */
  readonly names: readonly string[];
  readonly kind: IncidentKind;
  /** Further kinds its findings may carry (a family that reads several kinds of evidence). */
  readonly otherKinds?: readonly IncidentKind[];
  /** What it finds about one source in one window (usually nothing), in the order fusion meets it. */
  evaluate(ctx: WindowContext): readonly Finding[];
  /**
   * Optional: every event, in arrival order, before it joins its window. For checks of each request's
   * own content, which a window's aggregates do not keep. Cheap, never throws, keeps no raw content.
   */
  observe?(ev: MeshEvent): void;
  /**
   * Optional: the closed window once judged (evaluate may have seen it before it closed, and again),
   * to fold into what the family keeps per source in `ctx.state` (it moves with the entity's snapshot).
   * Called once per closed window, before the baselines learn from it.
   */
  commit?(ctx: WindowContext): void;
}

/** How the registry knows a window detector family; its config is the section `detectors.<type>`. */
export type WindowDetectorFactory = Factory<'detector', TSchema, WindowDetector>;

const NO_FINDINGS: readonly Finding[] = [];

/** One check's result as evaluate() returns it (no array made when it found nothing, the usual case). */
export function found(finding: Finding | undefined): readonly Finding[] {
  return finding === undefined ? NO_FINDINGS : [finding];
}

/** How long a destination first called after the baseline still counts as new. */
export const RECENT_NEW_DESTINATION_MS = 5 * 60_000;

/** Ratios in evidence: three decimals are what a person needs to judge them. */
export function roundRatio(x: number): number {
  return Math.round(x * 1000) / 1000;
}
