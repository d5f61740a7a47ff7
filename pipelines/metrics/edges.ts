/**
 * Per-edge series for Linkerd's and Consul's proxy metrics. Their raw series are per pod and per peer
 * address (Linkerd's `pod`, `target_addr`, `dst_pod`; the scrape's `instance`), so one source → destination
 * edge is spread over as many series as there are pod pairs, each restarting with its pods. The rates of
 * an edge's member series are summed into one series keyed by the edge (the labels left once the per-pod
 * and per-address ones are dropped): a surge over an edge is seen whole, and a rollout does not reset it.
 *
 * Members report once per scrape, at slightly different times: an edge's sum is emitted when a round is
 * complete, that is when a member reports again (one scrape interval later), with the sum of the members
 * heard from within the last one and a half intervals (a pod replaced by a rollout stops counting at
 * once). Members silent for `STALE_MS` are forgotten.
 */
import { meshEdge } from './meshes.js';
import { seriesKey, type MetricSample } from './sample.js';

/** Labels that name one pod, one peer address or one scrape target, not the edge. */
const INSTANCE_LABELS: ReadonlySet<string> = new Set([
  'pod',
  'pod_template_hash',
  'instance',
  'target_addr',
  'target_ip',
  'target_port',
  'dst_pod',
  'dst_pod_template_hash',
  'node',
]);
/** A member not heard from for this long has left the edge (its pod was replaced). */
const STALE_MS = 5 * 60_000;

interface Member {
  rate: number;
  timeMs: number;
}

interface EdgeState {
  labels: Record<string, string>;
  members: Map<string, Member>;
  /** Members that reported in the current round, and its latest time. */
  round: Set<string>;
  roundMs: number;
}

/** Whether a sample is one of Linkerd's or Consul's edge series (both ends named by its labels). */
export function isMeshEdgeSeries(labels: Record<string, string>): boolean {
  if (labels.source_workload !== undefined || labels.source_principal !== undefined) return false; // Istio's
  const edge = meshEdge(labels);
  return edge.source !== undefined && edge.destination !== undefined;
}

export class EdgeRates {
  private readonly edges = new Map<string, EdgeState>();

  constructor(private readonly maxEdges = 50_000) {}

  /**
   * A member's rate (`<name>:rate`) in; the edge's summed rate out when a round completes, else
   * undefined. `rawKey` is the member's own series key.
   */
  add(s: MetricSample, rawKey: string): MetricSample | undefined {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.labels)) if (!INSTANCE_LABELS.has(k)) labels[k] = v;
    const key = seriesKey(s.name, labels);
    let edge = this.edges.get(key);
    if (edge === undefined) {
      edge = { labels, members: new Map(), round: new Set(), roundMs: 0 };
      this.edges.set(key, edge);
      if (this.edges.size > this.maxEdges) this.edges.delete(this.edges.keys().next().value!);
    }
    let out: MetricSample | undefined;
    const previous = edge.members.get(rawKey);
    if (edge.round.has(rawKey) && previous !== undefined) {
      const horizonMs = 1.5 * (s.timeMs - previous.timeMs);
      let sum = 0;
      for (const [k, m] of edge.members) {
        const ageMs = s.timeMs - m.timeMs;
        if (ageMs > STALE_MS) edge.members.delete(k);
        else if (ageMs <= horizonMs) sum += m.rate;
      }
      out = { name: s.name, labels: edge.labels, timeMs: edge.roundMs, value: sum };
      edge.round.clear();
    }
    edge.members.set(rawKey, { rate: s.value, timeMs: s.timeMs });
    edge.round.add(rawKey);
    if (s.timeMs > edge.roundMs) edge.roundMs = s.timeMs;
    return out;
  }
}
