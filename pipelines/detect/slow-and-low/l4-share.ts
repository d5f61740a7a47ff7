/**
 * How much of the mesh this scorer sees only at L4: the share of plain TCP session records among the
 * records of the source windows it closed, as an exponentially weighted mean. Sensors that log only L4
 * (Istio ambient's ztunnel, a TCP proxy) show every HTTP call as a short session, so there a new edge's
 * short sessions are its first calls, not guesses; behind sidecars a plain TCP session is rare and says
 * more. Kept per detector, not per source: it describes the sensors, and is learned again within
 * minutes after a restart.
 */
import type { SourceWindow } from '../../features/window.js';

/** Weight of one source window: the share follows the last few hundred windows. */
const ALPHA = 0.01;
/** Above this share the mesh is seen mostly at L4. */
const MOSTLY = 0.5;

export class L4Share {
  private share: number | undefined;

  observe(w: SourceWindow): void {
    let records = 0;
    let tcp = 0;
    for (const e of w.edges.values()) {
      records += e.requests;
      tcp += e.tcpSessions;
    }
    if (records === 0) return;
    const x = tcp / records;
    this.share = this.share === undefined ? x : this.share + ALPHA * (x - this.share);
  }

  get mostlyL4(): boolean {
    return this.share !== undefined && this.share > MOSTLY;
  }
}

/** Whether a source's window holds any record with an HTTP status (it is seen at L7). */
export function seenAtL7(w: SourceWindow): boolean {
  for (const e of w.edges.values()) if (e.requests > e.tcpSessions) return true;
  return false;
}
