/**
 * The per-workload window feature vector the neural model reads, in FEATURE_NAMES order (a saved
 * model is tied to it).
 */
import { FEATURE_NAMES } from '../../models/neural/autoencoder/features.js';
import type { SourceWindow } from './window.js';

/** The feature names, in order: declared once, by the model that reads them. */
export const WORKLOAD_FEATURES = FEATURE_NAMES;

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
