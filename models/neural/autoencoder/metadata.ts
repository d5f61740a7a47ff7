/**
 * What a trained autoencoder carries besides its weights, saved as meshguard-autoencoder.json: the
 * scaler, the calibration, the training record and the hashes of the model files; and the check a
 * metadata file read from disk must pass.
 */
import type * as TF from '@tensorflow/tfjs';
import type { BackendName } from '../backend.js';
import { calibrationProblems, type Calibration } from './calibration.js';
import { scalerProblems, type FeatureScaler } from './features.js';

/** Written last by save(); its presence marks a complete model directory. */
export const METADATA_FILE = 'meshguard-autoencoder.json';
export const METADATA_FORMAT = 'meshguard-autoencoder';
export const METADATA_VERSION = 1;

export interface AutoencoderMetadata {
  format: typeof METADATA_FORMAT;
  version: number;
  featureNames: string[];
  scaler: FeatureScaler;
  calibration: Calibration;
  architecture: { inputs: number; hiddenUnits: number[]; activation: 'relu'; output: 'linear'; loss: 'mse' };
  training: {
    rows: number;
    rejectedRows: number;
    epochs: number;
    batchSize: number;
    learningRate: number;
    seed: number;
    finalLoss: number;
    losses: number[];
    backend: BackendName;
    trainedAt: string;
  };
  /** Per-feature median of the training rows in raw units, for evidence ("observed vs typical"). */
  baselineMedian?: number[];
  /** sha256 of model.json and weights.bin, so a directory mixing two saves is refused on load. */
  files: Record<string, string>;
}

/** A network and the metadata that makes its output meaningful; swapped in and out as one. */
export interface TrainedModel {
  model: TF.LayersModel;
  meta: AutoencoderMetadata;
}

/** Check metadata read from disk; returns the problems (empty when usable). */
export function metadataProblems(meta: unknown): string[] {
  if (typeof meta !== 'object' || meta === null) return [`${METADATA_FILE}: not an object`];
  const m = meta as Partial<AutoencoderMetadata>;
  const problems: string[] = [];
  if (m.format !== METADATA_FORMAT) problems.push(`format: expected "${METADATA_FORMAT}"`);
  if (m.version !== METADATA_VERSION)
    problems.push(`version: ${String(m.version)} is not supported (expected ${METADATA_VERSION})`);
  problems.push(...scalerProblems(m.scaler), ...calibrationProblems(m.calibration));
  if (typeof m.files !== 'object' || m.files === null) problems.push('files: missing');
  if (typeof m.training !== 'object' || m.training === null) problems.push('training: missing');
  return problems;
}
