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
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type * as TF from '@tensorflow/tfjs';
import { MeshguardError } from '../../../pipelines/core/errors.js';
import type { Finding } from '../../../pipelines/core/finding.js';
import { wallClock, type Clock } from '../../../pipelines/core/clock.js';
import { initBackend, loadTf, type BackendName, type Tf } from '../backend.js';
import { resolveAutoencoderConfig, type AutoencoderConfig } from './config.js';
import { calibratedScore, calibrationProblems, fitCalibration, type Calibration } from './calibration.js';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  fitScaler,
  rowProblem,
  scaleRow,
  scalerProblems,
  type FeatureScaler,
} from './features.js';
import {
  fileIOHandler,
  reconstruct,
  trainAutoencoder,
  writeFileAtomic,
  MODEL_JSON,
  WEIGHTS_BIN,
} from './model.js';

export {
  FEATURE_NAMES,
  FEATURE_COUNT,
  fitScaler,
  scaleRow,
  rowProblem,
  type FeatureScaler,
} from './features.js';
export { AutoencoderConfig, resolveAutoencoderConfig } from './config.js';
export { calibratedScore, fitCalibration, type Calibration } from './calibration.js';

export const DETECTOR_NAME = 'autoencoder';
/** Written last by save(); its presence marks a complete model directory. */
export const METADATA_FILE = 'meshguard-autoencoder.json';
export const METADATA_FORMAT = 'meshguard-autoencoder';
export const METADATA_VERSION = 1;
/** Rows per predict call: bounds the transient memory of a huge batch (rows × 14 floats × ~4 buffers). */
const SCORE_CHUNK_ROWS = 65_536;

export interface FeatureContribution {
  name: string;
  /** Squared reconstruction error of this feature, in scaled units. */
  contribution: number;
}

export interface AutoencoderScore {
  /** Calibrated tail probability in [0,1]: the smoothed fraction of training windows that reconstructed better. */
  score: number;
  /** Mean squared reconstruction error over the features (scaled units). */
  error: number;
  /** The features with the largest squared error, largest first. */
  topFeatures: FeatureContribution[];
  /** Set when the row could not be scored (it is counted and scored 0): why. */
  rejected?: string;
}

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

export interface CreateOptions {
  logger: Logger;
  /** Load the model saved here, if there is one (a missing or empty directory means untrained). */
  modelDir?: string;
  /** Hyper-parameters (neural.autoencoder); defaults filled in. */
  config?: Partial<AutoencoderConfig>;
  /** Stamps `trainedAt` in the metadata; inject the event clock for reproducible saves. */
  clock?: Clock;
}

export interface FitOptions {
  epochs?: number;
  onEpoch?: (epoch: number, loss: number) => void;
  /** Abort a background refit (the current model stays in place). */
  signal?: AbortSignal;
}

interface Trained {
  model: TF.LayersModel;
  meta: AutoencoderMetadata;
}

export class AutoencoderDetector {
  readonly name = DETECTOR_NAME;
  /** Counters for the caller's metrics and logs. */
  readonly stats = { rowsScored: 0, rowsRejected: 0, fits: 0 };
  private current: Trained | undefined;
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
    const cfg = this.config;
    const valid: number[][] = [];
    const reasons = new Map<string, number>();
    for (const row of rows) {
      const problem = rowProblem(row);
      if (problem) reasons.set(problem, (reasons.get(problem) ?? 0) + 1);
      else valid.push(row);
    }
    const rejectedRows = rows.length - valid.length;
    if (rejectedRows > 0)
      this.logger.warn(
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
    const { model, losses } = await trainAutoencoder(this.tf, scaled, n, {
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
      const out = reconstruct(this.tf, model, chunk, count);
      for (let i = 0; i < count; i++) {
        let sum = 0;
        for (let j = 0; j < FEATURE_COUNT; j++) {
          const d = out[i * FEATURE_COUNT + j]! - chunk[i * FEATURE_COUNT + j]!;
          sum += d * d;
        }
        errors[start + i] = sum / FEATURE_COUNT;
      }
    }
    const meta: AutoencoderMetadata = {
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
        backend: this.backend,
        trainedAt: new Date(this.clock.nowMs()).toISOString(),
      },
      files: {},
    };
    this.swap({ model, meta });
    this.stats.fits++;
    this.logger.info(
      {
        rows: n,
        rejectedRows,
        epochs,
        finalLoss: meta.training.finalLoss,
        errorP99: quantileOf(meta.calibration, 0.99),
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
        const base = k * FEATURE_COUNT;
        let sum = 0;
        for (let j = 0; j < FEATURE_COUNT; j++) {
          const d = out[base + j]! - scaled[base + j]!;
          contributions[j] = d * d;
          sum += d * d;
        }
        const error = sum / FEATURE_COUNT;
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
    const handler = fileIOHandler(this.tf, dir);
    await current.model.save(handler);
    const meta: AutoencoderMetadata = { ...current.meta, files: { ...handler.written } };
    await writeFileAtomic(join(dir, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n');
    current.meta = meta;
    this.logger.info({ dir, rows: meta.training.rows }, 'Autoencoder saved');
  }

  /** Free the model's tensors. Scoring afterwards behaves as untrained. */
  dispose(): void {
    this.current?.model.dispose();
    this.current = undefined;
  }

  private async load(dir: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(join(dir, METADATA_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.logger.warn({ dir }, 'No saved autoencoder in the model directory; starting untrained');
        return;
      }
      throw modelError(dir, [`cannot read ${METADATA_FILE}: ${(error as Error).message}`]);
    }
    let meta: AutoencoderMetadata;
    try {
      meta = JSON.parse(text) as AutoencoderMetadata;
    } catch (error) {
      throw modelError(dir, [`${METADATA_FILE} is not valid JSON: ${(error as Error).message}`]);
    }
    const problems = metadataProblems(meta);
    if (problems.length) throw modelError(dir, problems);

    const handler = fileIOHandler(this.tf, dir);
    let model: TF.LayersModel;
    try {
      model = await this.tf.loadLayersModel(handler);
    } catch (error) {
      throw modelError(dir, [`cannot load ${MODEL_JSON}/${WEIGHTS_BIN}: ${(error as Error).message}`]);
    }
    const mismatched = Object.entries(meta.files).filter(([file, hash]) => handler.written[file] !== hash);
    const shape = model.outputs[0]?.shape;
    if (mismatched.length || shape?.[shape.length - 1] !== FEATURE_COUNT) {
      model.dispose();
      throw modelError(dir, [
        mismatched.length
          ? `${mismatched.map(([f]) => f).join(', ')} changed since the metadata was written (interrupted or mixed saves)`
          : `model outputs ${String(shape)} values, expected ${FEATURE_COUNT}`,
      ]);
    }
    this.swap({ model, meta });
    this.logger.info(
      { dir, rows: meta.training.rows, trainedAt: meta.training.trainedAt, trainedOn: meta.training.backend },
      'Autoencoder loaded',
    );
  }

  private swap(next: Trained): void {
    const previous = this.current;
    this.current = next;
    previous?.model.dispose();
  }
}

function modelError(dir: string, details: string[]): MeshguardError {
  return new MeshguardError(
    'MESHGUARD_ERR_INPUT',
    `the autoencoder in ${dir} cannot be used; retrain it with \`meshguard train\``,
    details,
  );
}

function metadataProblems(meta: unknown): string[] {
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

/** Evenly strided subsample, so a long baseline keeps its whole time span rather than its first hours. */
function subsample<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = rows.length / max;
  return Array.from({ length: max }, (_, i) => rows[Math.floor(i * step)]!);
}

/** The k largest contributions, largest first (insertion into a k-slot list: k is tiny, rows are many). */
function topContributions(contributions: Float64Array, k: number): FeatureContribution[] {
  const top: number[] = [];
  for (let j = 0; j < contributions.length; j++) {
    const v = contributions[j]!;
    if (top.length === k && v <= contributions[top[k - 1]!]!) continue;
    let pos = top.length < k ? top.length : k - 1;
    while (pos > 0 && contributions[top[pos - 1]!]! < v) pos--;
    top.splice(pos, 0, j);
    if (top.length > k) top.pop();
  }
  return top.map((j) => ({ name: FEATURE_NAMES[j]!, contribution: contributions[j]! }));
}

function quantileOf(cal: Calibration, p: number): number {
  const q = cal.quantiles;
  return q[Math.round(p * (q.length - 1))] ?? NaN;
}

/** One closed window of one source workload, as the pipeline's onFeatures hook hands it over. */
export interface WorkloadFeatureRow {
  entity: string;
  row: number[];
  endMs: number;
  firstMs: number;
}

/**
 * Score a window's rows in one batch and turn those at or above `threshold` into findings (kind
 * `anomaly`), with evidence a person can read: each top feature's observed value next to the training
 * baseline's typical value. Fits the pipeline's `onFeatures` hook. Untrained: no findings.
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
        training_error_p99: round(quantileOf(meta.calibration, 0.99)),
        top_features: s.topFeatures.map((f) => {
          const j = FEATURE_NAMES.indexOf(f.name as (typeof FEATURE_NAMES)[number]);
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

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Fallback for models saved without baselineMedian: geometric mean for log1p features, 0 for ratios. */
function typicalValue(scaler: FeatureScaler, j: number): number {
  const mean = scaler.mean[j] ?? 0;
  return scaler.transforms[j] === 'log1p' ? Math.expm1(mean) : mean;
}

const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v);

export interface RefitOptions {
  logger?: Logger;
  /** Skip a refit when fewer rows are available (default: the detector's min_training_rows). */
  minRows?: number;
  epochs?: number;
}

/**
 * Refit the detector every `intervalMs` on recent normal rows, in the background, until `signal` aborts.
 * Scoring is never blocked: training yields to the event loop and the new model is swapped in only when
 * complete. Failures are logged and the previous model kept. Resolves once stopped.
 */
export async function scheduleRefit(
  detector: AutoencoderDetector,
  getRecentNormalRows: () => number[][] | Promise<number[][]>,
  intervalMs: number,
  signal: AbortSignal,
  opts: RefitOptions = {},
): Promise<void> {
  const logger = opts.logger;
  while (!signal.aborted) {
    try {
      // ref: false — a pending refit must not keep the process alive at shutdown.
      await sleep(intervalMs, undefined, { signal, ref: false });
    } catch {
      return; // aborted
    }
    try {
      const rows = await getRecentNormalRows();
      if (opts.minRows !== undefined && rows.length < opts.minRows) {
        logger?.debug(
          { rows: rows.length, minRows: opts.minRows },
          'Autoencoder refit skipped: too few recent normal rows',
        );
        continue;
      }
      await detector.fit(rows, { signal, ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}) });
    } catch (error) {
      if (signal.aborted) return;
      logger?.warn(
        { error: (error as Error).message },
        'Autoencoder refit failed; keeping the previous model',
      );
    }
  }
}
