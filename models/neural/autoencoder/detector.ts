/**
 * AutoencoderDetector: scores per-workload window feature rows by how badly a small autoencoder,
 * trained on normal windows, reconstructs them. The error is calibrated against the training errors
 * into a tail probability (Finding.score semantics: 1 = never seen), and the per-feature squared errors
 * say which features drove it.
 *
 * Lifecycle: `create()` (loads tfjs lazily, picks a backend, loads a saved model if the directory has
 * one) → `fit()` (train or refit; the new model replaces the old one only when complete, so scoring
 * continues meanwhile) → `scoreBatch()` (synchronous, one predict for all rows) → `save()`.
 */
import type { Logger } from 'pino';
import { wallClock, type Clock } from '../../../pipelines/core/clock.js';
import { MeshguardError } from '../../../pipelines/core/errors.js';
import { initBackend, loadTf, type BackendName, type Tf } from '../backend.js';
import { calibratedScore, calibrationQuantile } from './calibration.js';
import { resolveAutoencoderConfig, type AutoencoderConfig } from './config.js';
import { FEATURE_COUNT, rowProblem, scaleRow } from './features.js';
import type { AutoencoderMetadata, TrainedModel } from './metadata.js';
import { reconstruct } from './model.js';
import { loadModel, saveModel } from './persistence.js';
import { reconstructionError, topContributions, SCORE_CHUNK_ROWS, type AutoencoderScore } from './scoring.js';
import { trainModel, type FitOptions } from './training.js';

export const DETECTOR_NAME = 'autoencoder';

export interface CreateOptions {
  logger: Logger;
  /** Load the model saved here, if there is one (a missing or empty directory means untrained). */
  modelDir?: string;
  /** Hyper-parameters (AutoencoderConfig); defaults filled in. */
  config?: Partial<AutoencoderConfig>;
  /** Stamps `trainedAt` in the metadata; inject the event clock for reproducible saves. */
  clock?: Clock;
}

export class AutoencoderDetector {
  readonly name = DETECTOR_NAME;
  /** Counters for the caller's metrics and logs. */
  readonly stats = { rowsScored: 0, rowsRejected: 0, fits: 0 };
  private current: TrainedModel | undefined;
  private fitQueue: Promise<unknown> = Promise.resolve();
  /** One reusable input buffer for scoring, grown on demand (no per-call allocation in steady state). */
  private scaledBuffer = new Float32Array(0);

  private constructor(
    private readonly tf: Tf,
    readonly backend: BackendName,
    private readonly logger: Logger,
    private readonly config: AutoencoderConfig,
    private readonly clock: Clock,
  ) {}

  static async create(opts: CreateOptions): Promise<AutoencoderDetector> {
    const logger = opts.logger.child({ component: DETECTOR_NAME });
    const config = resolveAutoencoderConfig(opts.config ?? {});
    const tf = await loadTf();
    const backend = await initBackend(logger);
    const detector = new AutoencoderDetector(tf, backend, logger, config, opts.clock ?? wallClock);
    if (opts.modelDir) await detector.load(opts.modelDir);
    return detector;
  }

  get trained(): boolean {
    return this.current !== undefined;
  }

  /** What the loaded or last trained model was built from (undefined until trained). */
  get metadata(): AutoencoderMetadata | undefined {
    return this.current?.meta;
  }

  /**
   * Train a new model on normal rows and swap it in when complete. Invalid rows are dropped and counted.
   * Calls are serialised: a refit requested during another waits for it.
   * Throws MESHGUARD_ERR_INPUT when fewer than `min_training_rows` valid rows remain.
   */
  fit(rows: number[][], opts: FitOptions = {}): Promise<void> {
    const run = this.fitQueue.then(() => this.fitNow(rows, opts));
    this.fitQueue = run.catch(() => undefined);
    return run;
  }

  private async fitNow(rows: number[][], opts: FitOptions): Promise<void> {
    const started = performance.now();
    const context = { tf: this.tf, backend: this.backend, logger: this.logger, clock: this.clock };
    const next = await trainModel(context, rows, this.config, opts);
    this.swap(next);
    this.stats.fits++;
    const { training, calibration } = next.meta;
    this.logger.info(
      {
        rows: training.rows,
        rejectedRows: training.rejectedRows,
        epochs: training.epochs,
        finalLoss: training.finalLoss,
        errorP99: calibrationQuantile(calibration, 0.99),
        durationMs: Math.round(performance.now() - started),
      },
      'Autoencoder trained',
    );
  }

  /**
   * Score rows (FEATURE_NAMES order) with one predict call. Synchronous; every tensor is freed before it
   * returns. Never throws: invalid rows, and every row while untrained, score 0 (invalid ones say why).
   */
  scoreBatch(rows: number[][]): AutoencoderScore[] {
    const results = new Array<AutoencoderScore>(rows.length);
    const current = this.current;
    const valid: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const problem = rowProblem(rows[i]);
      if (problem) {
        results[i] = { score: 0, error: 0, topFeatures: [], rejected: problem };
        this.stats.rowsRejected++;
      } else if (!current) results[i] = { score: 0, error: 0, topFeatures: [] };
      else valid.push(i);
    }
    if (!current || valid.length === 0) return results;

    const { scaler, calibration } = current.meta;
    for (let start = 0; start < valid.length; start += SCORE_CHUNK_ROWS) {
      const count = Math.min(SCORE_CHUNK_ROWS, valid.length - start);
      if (this.scaledBuffer.length < count * FEATURE_COUNT)
        this.scaledBuffer = new Float32Array(count * FEATURE_COUNT);
      const scaled = this.scaledBuffer.subarray(0, count * FEATURE_COUNT);
      for (let k = 0; k < count; k++) scaleRow(rows[valid[start + k]!]!, scaler, scaled, k * FEATURE_COUNT);
      const out = reconstruct(this.tf, current.model, scaled, count);
      const contributions = new Float64Array(FEATURE_COUNT);
      for (let k = 0; k < count; k++) {
        const error = reconstructionError(out, scaled, k * FEATURE_COUNT, contributions);
        results[valid[start + k]!] = {
          score: calibratedScore(error, calibration),
          error,
          topFeatures: topContributions(contributions, this.config.top_features),
        };
      }
    }
    this.stats.rowsScored += valid.length;
    return results;
  }

  /** Save model.json + weights.bin (tfjs layers format) and the metadata (written last) into `dir`. */
  async save(dir: string): Promise<void> {
    const current = this.current;
    if (!current)
      throw new MeshguardError('MESHGUARD_ERR_INPUT', 'cannot save an untrained autoencoder: fit() it first');
    const meta = await saveModel(this.tf, current, dir);
    current.meta = meta;
    this.logger.info({ dir, rows: meta.training.rows }, 'Autoencoder saved');
  }

  /**
   * Load the model saved in `dir` in place of the current one. A directory without a saved model leaves
   * the detector as it was (warning); one with a broken or mismatched model throws MESHGUARD_ERR_INPUT.
   */
  async load(dir: string): Promise<void> {
    const loaded = await loadModel(this.tf, dir);
    if (!loaded) {
      this.logger.warn({ dir }, 'No saved autoencoder in the model directory; starting untrained');
      return;
    }
    this.swap(loaded);
    const { training } = loaded.meta;
    this.logger.info(
      { dir, rows: training.rows, trainedAt: training.trainedAt, trainedOn: training.backend },
      'Autoencoder loaded',
    );
  }

  /** Free the model's tensors. Scoring afterwards behaves as untrained. */
  dispose(): void {
    this.current?.model.dispose();
    this.current = undefined;
  }

  private swap(next: TrainedModel): void {
    const previous = this.current;
    this.current = next;
    previous?.model.dispose();
  }
}
