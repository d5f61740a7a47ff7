/**
 * What each in-mesh destination usually answers per request, over all its callers, and the largest
 * single flow it ever served: the baseline a caller without one of its own (a first call on a new edge,
 * a workload that only ever served traffic, a caller known only by its address) is judged by. A server
 * that answers everyone a few KB does not hand anyone 7.5 MB in one response.
 */
import { EwStat } from './stats.js';
import type { EdgeWindow } from './window.js';

/** Weight of one caller's window: a destination's callers together move it slowly (~100 windows). */
const ALPHA = 0.01;
/** The largest served flow halves in a day, so yesterday's export is still remembered today. */
const PEAK_HALF_LIFE_MS = 24 * 3_600_000;
/** Bound on the destinations remembered (a mesh has far fewer services; addresses could be many). */
export const MAX_DESTINATIONS = 50_000;

export class DestinationFlows {
  /** Bytes per request (log-scaled) answered by the destination, and received by it. */
  readonly down = new EwStat(ALPHA);
  readonly up = new EwStat(ALPHA);
  private peakDownBytes = 0;
  private peakUpBytes = 0;
  private peakAtMs = 0;

  /** Caller windows learned from. */
  get windows(): number {
    return this.down.count;
  }

  /** The largest single flow served each way, decayed to `atMs`. */
  peak(dir: 'down' | 'up', atMs: number): number {
    const decay = Math.pow(0.5, Math.max(0, atMs - this.peakAtMs) / PEAK_HALF_LIFE_MS);
    return (dir === 'down' ? this.peakDownBytes : this.peakUpBytes) * decay;
  }

  /** Usual bytes per request each way (the geometric mean of the callers' windows). */
  usual(dir: 'down' | 'up'): number {
    return Math.expm1((dir === 'down' ? this.down : this.up).mean);
  }

  learn(e: EdgeWindow, endMs: number): void {
    if (e.requests === 0) return;
    this.down.update(Math.log1p(e.bytesDown / e.requests));
    this.up.update(Math.log1p(e.bytesUp / e.requests));
    const down = Math.max(this.peak('down', endMs), e.maxFlowDown);
    const up = Math.max(this.peak('up', endMs), e.maxFlowUp);
    this.peakDownBytes = down;
    this.peakUpBytes = up;
    this.peakAtMs = Math.max(this.peakAtMs, endMs);
  }
}

/** Destination → what it serves; bounded (new destinations past the bound are not learned). */
export class DestinationFlowBaselines {
  private readonly byDestination = new Map<string, DestinationFlows>();

  get(dst: string): DestinationFlows | undefined {
    return this.byDestination.get(dst);
  }

  get size(): number {
    return this.byDestination.size;
  }

  /** Fold one caller's closed window on the edge to `dst` in. */
  learn(dst: string, e: EdgeWindow, endMs: number): void {
    let d = this.byDestination.get(dst);
    if (d === undefined) {
      if (this.byDestination.size >= MAX_DESTINATIONS) return;
      d = new DestinationFlows();
      this.byDestination.set(dst, d);
    }
    d.learn(e, endMs);
  }
}
