/**
 * External hosts the source did not use during its baseline, receiving data:
 * - new_external_upload: uploads summed over time, so slow drips that no single window shows still add
 *   up; or repeated uploads that dwarf the replies;
 * - unregistered_egress: uploads through PassthroughCluster (a host the mesh has no ServiceEntry for);
 * - beaconing: periodic small contacts with little jitter.
 * The most certain of the three names the finding.
 */
import type { Finding } from '../../core/finding.js';
import { zToProbability } from '../../features/stats.js';
import type { ExternalHostState } from '../../features/entity-state.js';
import type { WindowContext } from '../detector.js';
import type { ExfiltrationConfig } from './config.js';

export const NEW_EXTERNAL_UPLOAD = 'new_external_upload';
export const UNREGISTERED_EGRESS = 'unregistered_egress';
export const BEACONING = 'beaconing';

const MIB = 1024 * 1024;

export function newExternalHost(ctx: WindowContext, cfg: ExfiltrationConfig): Finding | undefined {
  const w = ctx.window;
  let best: Finding | undefined;
  for (const [host, x] of w.external) {
    const state = ctx.state.externalHost(host);
    if (state?.known) {
      // Learning vouches for a host only provisionally: uploads past what was learned of it add up.
      const f = ctx.learning ? undefined : provisionalHostUpload(ctx, host, x.bytesUp, state, cfg);
      if (f && !(best && best.score >= f.score)) best = f;
      continue;
    }
    const cumulativeUp = (state?.cumulativeUp ?? 0) + x.bytesUp;
    const cumulativeDown = (state?.cumulativeDown ?? 0) + x.bytesDown;
    const contacts = (state?.contacts ?? 0) + x.requests;
    const passthrough = x.passthrough || (state?.passthrough ?? false);
    const firstMs = state?.firstSeenMs ?? x.firstMs;
    let score = 0;
    let detector = '';
    // Summed uploads to a new host: slow drips add up here.
    if (cumulativeUp >= cfg.cumulative_external_bytes) {
      score = zToProbability(3 + cumulativeUp / cfg.cumulative_external_bytes);
      detector = NEW_EXTERNAL_UPLOAD;
      // A host the mesh has a ServiceEntry for may be a new integration: it starts as an alert, and
      // grows with the evidence (volume times duration) until it is worth containing.
      if (!passthrough) score = Math.min(score, registeredHostScore(cumulativeUp, cfg, ctx.endMs - firstMs));
    } else if (contacts >= 5 && cumulativeUp >= MIB && cumulativeUp >= 20 * Math.max(cumulativeDown, 1)) {
      // Repeated uploads that dwarf the replies: data leaving in pieces, not an API being used.
      // Through a registered host (ServiceEntry) it may be a new integration; unregistered, less so.
      score = passthrough ? 0.9995 : 0.995;
      detector = NEW_EXTERNAL_UPLOAD;
    } else if (passthrough && cumulativeUp >= 256 * 1024) {
      score = 0.999;
      detector = UNREGISTERED_EGRESS;
    }
    // Periodic small contacts with little jitter: a beacon.
    const beacon = beaconScore(
      state?.intervals.mean,
      state?.intervals.variance,
      state?.intervals.count,
      contacts,
    );
    if (beacon > score) {
      score = beacon;
      detector = BEACONING;
    }
    if (score < cfg.threshold || (best && best.score >= score)) continue;
    best = {
      detector,
      kind: 'exfiltration',
      entity: w.src,
      score,
      timeMs: ctx.endMs,
      firstEventMs: state?.firstSeenMs ?? x.firstMs,
      evidence: {
        external_host: host,
        new_host: true,
        unregistered_egress: passthrough,
        bytes_uploaded_total: cumulativeUp,
        bytes_downloaded_total: cumulativeDown,
        bytes_uploaded_this_window: x.bytesUp,
        contacts,
        mean_interval_secs:
          state && state.intervals.count > 0 ? Math.round(state.intervals.mean / 100) / 10 : undefined,
        first_contact: new Date(firstMs).toISOString(),
        minutes_since_first_contact: Math.round((ctx.endMs - firstMs) / 6000) / 10,
      },
    };
  }
  return best;
}

/**
 * Uploads to a registered host: 0.995 (an alert) at `cumulative_external_bytes`, each doubling of the
 * volume-times-duration evidence halving the remaining doubt: a drip of about 4 MB a minute reaches
 * "high" (eligible for containment) after about 25 minutes, 300 MB in ten minutes sooner.
 */
function registeredHostScore(cumulativeUp: number, cfg: ExfiltrationConfig, elapsedMs: number): number {
  const volume = cumulativeUp / Math.max(1, cfg.cumulative_external_bytes);
  const evidence = volume * (1 + Math.max(0, elapsedMs) / 600_000);
  return 1 - 0.005 / Math.max(1, evidence);
}

/** Uploads to a host first contacted while learning, summed past its learned volume per window. */
function provisionalHostUpload(
  ctx: WindowContext,
  host: string,
  bytesUp: number,
  state: ExternalHostState,
  cfg: ExfiltrationConfig,
): Finding | undefined {
  const excess = state.judgeUpload(bytesUp, ctx.endMs, ctx.state.firstSeenMs).excess;
  if (excess < cfg.cumulative_external_bytes) return undefined;
  let score = zToProbability(3 + excess / cfg.cumulative_external_bytes);
  if (!state.passthrough) score = Math.min(score, 0.995);
  if (score < cfg.threshold) return undefined;
  return {
    detector: NEW_EXTERNAL_UPLOAD,
    kind: 'exfiltration',
    entity: ctx.window.src,
    score,
    timeMs: ctx.endMs,
    firstEventMs: ctx.window.external.get(host)?.firstMs ?? ctx.startMs,
    evidence: {
      external_host: host,
      new_host: false,
      provisionally_known: true,
      unregistered_egress: state.passthrough,
      bytes_uploaded_beyond_baseline: Math.round(excess),
      learned_bytes_per_upload_window: Math.round(Math.expm1(state.upPerWindow.mean)),
      learned_bytes_per_second: Math.round(state.learnedRatePerSec(ctx.state.firstSeenMs)),
      bytes_uploaded_this_window: bytesUp,
      first_contact: new Date(state.firstSeenMs).toISOString(),
    },
  };
}

function beaconScore(mean = 0, variance = 0, count = 0, contacts: number): number {
  // Six regular intervals: Poisson-like client traffic (coefficient of variation near 1) almost never
  // looks this regular by chance; a beacon on a timer always does.
  if (count < 6 || contacts < 7 || mean < 5000) return 0;
  const cv = Math.sqrt(variance) / mean;
  if (cv > 0.15) return 0;
  return 0.999 + 0.0009 * Math.min(1, (count - 5) / 5) * (1 - cv / 0.15);
}
