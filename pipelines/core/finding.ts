import type { IncidentKind } from './incident.js';

/** One detector's opinion about one entity in one window. */
export interface Finding {
  detector: string;
  kind: IncidentKind;
  /** Offender key (MeshEvent.src). */
  entity: string;
  /** Calibrated tail probability in [0,1]: how unusual this is against the baseline (1 = never seen). */
  score: number;
  /** Event time (ms) of the window end at which it was found. */
  timeMs: number;
  /** Event time (ms) of the first suspicious event behind the finding. */
  firstEventMs: number;
  /** What a person needs to judge it: observed value, baseline, examples. */
  evidence: Record<string, unknown>;
}
