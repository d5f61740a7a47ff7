/**
 * A short, bounded history of each offender's recent windows, for the incident console's timeline and
 * edge graph: its requests, errors and bytes per window beside the baseline band it had learned before
 * that window, and the destinations it called (new ones flagged). Bounded twice: the last
 * `pointsPerEntity` windows of the `maxEntities` most recently seen entities (least recently seen
 * forgotten first), and at most `edgesPerPoint` destinations per window. Per replica and in memory
 * only: it is a view for people, never read by a detector.
 */
import type { EntityState } from '../features/entity-state.js';
import type { SourceWindow } from '../features/window.js';

export interface Band {
  mean: number;
  std: number;
}

export interface HistoryPoint {
  endMs: number;
  requests: number;
  /** 4xx and 5xx answers (denials included). */
  errors: number;
  /** Sent and received. */
  bytes: number;
  /** The entity's baseline as it stood before this window was learned. */
  baseline: { requests: Band; errors: Band; bytes: Band };
  /** Still learning its baseline (no detector judged it against the band yet). */
  learning: boolean;
  /** Windows the entity's state has seen in all (not only the kept ones). */
  windowsSeen: number;
  edges: Array<{ dst: string; requests: number; bytes: number; isNew: boolean }>;
}

export interface EntityHistoryLimits {
  maxEntities: number;
  pointsPerEntity: number;
  edgesPerPoint: number;
}

export const DEFAULT_HISTORY_LIMITS: EntityHistoryLimits = {
  maxEntities: 2000,
  pointsPerEntity: 90,
  edgesPerPoint: 24,
};

/** The key an offender is found under: its principal, else its address (what an incident's workload names). */
export function historyKeyOf(sw: SourceWindow): string {
  return sw.principal || sw.address || sw.src;
}

function band(mean: number, variance: number): Band {
  const m = Number.isFinite(mean) ? mean : 0;
  const v = Number.isFinite(variance) && variance > 0 ? variance : 0;
  return { mean: m, std: Math.sqrt(v) };
}

export function historyPoint(
  sw: SourceWindow,
  state: EntityState,
  endMs: number,
  learning: boolean,
  edgesPerPoint: number,
): HistoryPoint {
  const req = state.requests;
  const up = state.bytesUp;
  const down = state.bytesDown;
  const denied = state.deniedRatio;
  const notFound = state.notFoundRatio;
  // Errors have no statistic of their own: the learned denial and 404 ratios times the usual rate.
  const errorRatio = band(denied.mean + notFound.mean, denied.variance + notFound.variance);
  const edges = [...sw.edges]
    .map(([dst, e]) => ({
      dst,
      requests: e.requests,
      bytes: e.bytesUp + e.bytesDown,
      isNew: !state.knowsDestination(dst),
    }))
    .sort((a, b) => Number(b.isNew) - Number(a.isNew) || b.requests - a.requests)
    .slice(0, edgesPerPoint);
  return {
    endMs,
    requests: sw.requests,
    errors: sw.err4xx + sw.err5xx,
    bytes: sw.bytesUp + sw.bytesDown,
    baseline: {
      requests: band(req.mean, req.variance),
      errors: { mean: errorRatio.mean * req.mean, std: errorRatio.std * req.mean },
      bytes: band(up.mean + down.mean, up.variance + down.variance),
    },
    learning,
    windowsSeen: state.windows,
    edges,
  };
}

export class EntityHistory {
  private readonly byEntity = new Map<string, HistoryPoint[]>();

  constructor(private readonly limits: EntityHistoryLimits = DEFAULT_HISTORY_LIMITS) {}

  get size(): number {
    return this.byEntity.size;
  }

  record(key: string, point: HistoryPoint): void {
    const points = this.byEntity.get(key) ?? [];
    // Re-inserted so the map's order is least recently seen first.
    this.byEntity.delete(key);
    this.byEntity.set(key, points);
    points.push(point);
    if (points.length > this.limits.pointsPerEntity)
      points.splice(0, points.length - this.limits.pointsPerEntity);
    while (this.byEntity.size > this.limits.maxEntities) {
      const oldest = this.byEntity.keys().next().value as string;
      this.byEntity.delete(oldest);
    }
  }

  /** Oldest first. */
  get(key: string): readonly HistoryPoint[] {
    return this.byEntity.get(key) ?? [];
  }

  /** Every kept entity with whether its last window was still learning, most recently seen first. */
  models(): Array<{ workload: string; state: 'learning' | 'scoring'; windows: number; lastMs: number }> {
    return [...this.byEntity].reverse().map(([workload, points]) => {
      const last = points[points.length - 1]!;
      return {
        workload,
        state: last.learning ? ('learning' as const) : ('scoring' as const),
        windows: last.windowsSeen,
        lastMs: last.endMs,
      };
    });
  }
}
