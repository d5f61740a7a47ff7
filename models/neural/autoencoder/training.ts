/**
 * Training a new model on rows believed normal: drop invalid rows, subsample a long baseline evenly, fit
 * the scaler, train the network, calibrate its score against the training rows' own errors, and record
 * all of it in the metadata. The caller decides when the result replaces the current model.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../../pipelines/core/clock.js';
import { MeshguardError } from '../../../pipelines/core/errors.js';
import type { BackendName, Tf } from '../backend.js';
import { fitCalibration } from './calibration.js';
import type { AutoencoderConfig } from './config.js';
import { FEATURE_COUNT, FEATURE_NAMES, fitScaler, rowProblem, scaleRow } from './features.js';
import { METADATA_FORMAT, METADATA_VERSION, type TrainedModel } from './metadata.js';
import { reconstruct, trainAutoencoder } from './model.js';
import { reconstructionError, SCORE_CHUNK_ROWS } from './scoring.js';

export interface FitOptions {
  epochs?: number;
  onEpoch?: (epoch: number, loss: number) => void;
  /** Abort a background refit (the current model stays in place). */
  signal?: AbortSignal;
}

/** What training needs from the detector that runs it. */
export interface TrainingContext {
  tf: Tf;
  backend: BackendName;
  logger: Logger;
  /** Stamps `trainedAt`. */
  clock: Clock;
}

/** Throws MESHGUARD_ERR_INPUT when fewer than `min_training_rows` valid rows remain. */
export async function trainModel(
  ctx: TrainingContext,
  rows: number[][],
  cfg: AutoencoderConfig,
  opts: FitOptions,
): Promise<TrainedModel> {
  const valid: number[][] = [];
  const reasons = new Map<string, number>();
  for (const row of rows) {
    const problem = rowProblem(row);
    if (problem) reasons.set(problem, (reasons.get(problem) ?? 0) + 1);
    else valid.push(row);
  }
  const rejectedRows = rows.length - valid.length;
  if (rejectedRows > 0)
    ctx.logger.warn(
      { rejectedRows, reasons: Object.fromEntries(reasons) },
      'Training rows rejected as invalid',
    );
  if (valid.length < cfg.min_training_rows)
    throw new MeshguardError(
      'MESHGUARD_ERR_INPUT',
      `autoencoder needs at least ${cfg.min_training_rows} valid feature rows to train, got ${valid.length}` +
        (rejectedRows ? ` (${rejectedRows} rejected)` : ''),
    );

  const training = subsample(valid, cfg.max_training_rows);
  const n = training.length;
  const scaler = fitScaler(training);
  const scaled = new Float32Array(n * FEATURE_COUNT);
  for (let i = 0; i < n; i++) scaleRow(training[i]!, scaler, scaled, i * FEATURE_COUNT);

  const epochs = opts.epochs ?? cfg.epochs;
  const { model, losses } = await trainAutoencoder(ctx.tf, scaled, n, {
    hiddenUnits: cfg.hidden_units,
    epochs,
    batchSize: cfg.batch_size,
    learningRate: cfg.learning_rate,
    seed: cfg.seed,
    onEpoch: opts.onEpoch,
    signal: opts.signal,
  });

  // Calibrate against the errors of the very rows it learned from (see card.md: this biases scores
  // slightly upward, i.e. towards alerting, which the fusion threshold absorbs).
  const errors = new Float64Array(n);
  for (let start = 0; start < n; start += SCORE_CHUNK_ROWS) {
    const count = Math.min(SCORE_CHUNK_ROWS, n - start);
    const chunk = scaled.subarray(start * FEATURE_COUNT, (start + count) * FEATURE_COUNT);
    const out = reconstruct(ctx.tf, model, chunk, count);
    for (let i = 0; i < count; i++) errors[start + i] = reconstructionError(out, chunk, i * FEATURE_COUNT);
  }
  return {
    model,
    meta: {
      format: METADATA_FORMAT,
      version: METADATA_VERSION,
      featureNames: [...FEATURE_NAMES],
      scaler,
      calibration: fitCalibration(errors, cfg.calibration_points),
      baselineMedian: FEATURE_NAMES.map((_, j) => median(training.map((r) => r[j]!))),
      architecture: {
        inputs: FEATURE_COUNT,
        hiddenUnits: [...cfg.hidden_units],
        activation: 'relu',
        output: 'linear',
        loss: 'mse',
      },
      training: {
        rows: n,
        rejectedRows,
        epochs,
        batchSize: cfg.batch_size,
        learningRate: cfg.learning_rate,
        seed: cfg.seed,
        finalLoss: losses[losses.length - 1] ?? NaN,
        losses,
        backend: ctx.backend,
        trainedAt: new Date(ctx.clock.nowMs()).toISOString(),
      },
      files: {},
    },
  };
}

/** Evenly strided subsample, so a long baseline keeps its whole time span rather than its first hours. */
function subsample<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = rows.length / max;
  return Array.from({ length: max }, (_, i) => rows[Math.floor(i * step)]!);
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
