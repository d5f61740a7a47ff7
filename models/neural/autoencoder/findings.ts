/**
 * The Finding the autoencoder emits: windows scored at or above a threshold, as kind `anomaly`, with
 * evidence a person can read (each top feature's observed value next to the training baseline's typical
 * value).
 */
import type { Finding } from '../../../pipelines/core/finding.js';
import { calibrationQuantile } from './calibration.js';
import { DETECTOR_NAME, type AutoencoderDetector } from './detector.js';
import { FEATURE_NAMES, type FeatureName, type FeatureScaler } from './features.js';

/** One closed window of one source workload, as the pipeline's onFeatures hook hands it over. */
export interface WorkloadFeatureRow {
  entity: string;
  row: number[];
  endMs: number;
  firstMs: number;
}

/**
 * Score a window's rows in one batch and turn those at or above `threshold` into findings. Fits the
 * pipeline's `onFeatures` hook. Untrained: no findings.
 */
export function autoencoderFindings(
  detector: AutoencoderDetector,
  batch: ReadonlyArray<WorkloadFeatureRow>,
  threshold: number,
): Finding[] {
  const meta = detector.metadata;
  if (!meta || batch.length === 0) return [];
  const scored = detector.scoreBatch(batch.map((b) => b.row));
  const findings: Finding[] = [];
  scored.forEach((s, i) => {
    if (s.rejected !== undefined || s.score < threshold) return;
    const b = batch[i]!;
    findings.push({
      detector: DETECTOR_NAME,
      kind: 'anomaly',
      entity: b.entity,
      score: s.score,
      timeMs: b.endMs,
      firstEventMs: b.firstMs,
      evidence: {
        summary: `window unlike the training baseline, driven by ${s.topFeatures.map((f) => f.name).join(', ')}`,
        reconstruction_error: round(s.error),
        training_error_p99: round(calibrationQuantile(meta.calibration, 0.99)),
        top_features: s.topFeatures.map((f) => {
          const j = FEATURE_NAMES.indexOf(f.name as FeatureName);
          return {
            feature: f.name,
            observed: round(b.row[j] ?? NaN),
            typical: round(meta.baselineMedian?.[j] ?? typicalValue(meta.scaler, j)),
            contribution: round(f.contribution),
          };
        }),
      },
    });
  });
  return findings;
}

/** Fallback for models saved without baselineMedian: geometric mean for log1p features, 0 for ratios. */
function typicalValue(scaler: FeatureScaler, j: number): number {
  const mean = scaler.mean[j] ?? 0;
  return scaler.transforms[j] === 'log1p' ? Math.expm1(mean) : mean;
}

/** Four significant digits: evidence is for reading, not for recomputing. */
const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v);
