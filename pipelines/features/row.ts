/**
 * The per-workload window feature vector the neural model reads. Order matters: a saved model is tied
 * to it (models/neural/autoencoder/features.ts holds the same names).
 */
import type { SourceWindow } from './window.js';

export const WORKLOAD_FEATURES = [
  'requests',
  'distinct_destinations',
  'distinct_paths',
  'new_destinations',
  'new_paths',
  'ratio_4xx',
  'ratio_denied',
  'ratio_not_found',
  'ratio_5xx',
  'bytes_up',
  'bytes_down',
  'egress_requests',
  'egress_bytes_up',
  'mean_duration_ms',
] as const;

export function workloadRow(sw: SourceWindow, newDestinations: number, newPaths: number): number[] {
  let egressRequests = 0;
  let egressBytesUp = 0;
  for (const x of sw.external.values()) {
    egressRequests += x.requests;
    egressBytesUp += x.bytesUp;
  }
  const n = Math.max(1, sw.requests);
  return [
    sw.requests,
    sw.edges.size + sw.external.size,
    sw.paths.size + sw.pathsOverflow,
    newDestinations,
    newPaths,
    sw.err4xx / n,
    sw.denied / n,
    sw.notFound / n,
    sw.err5xx / n,
    sw.bytesUp,
    sw.bytesDown,
    egressRequests,
    egressBytesUp,
    sw.durationSum / n,
  ];
}
