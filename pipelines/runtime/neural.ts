/**
 * Wires the autoencoder (models/neural) into the pipeline's per-window feature batches. The model
 * corroborates the detectors (it raises the fused score and says which features drove it) but never
 * raises an incident alone: a reconstruction error says "unusual", not "attack", and on its own it
 * would page on-call for every odd window.
 */
import type { Logger } from 'pino';
import type { Finding } from '../core/finding.js';
import type { NeuralConfig } from '../../models/neural/autoencoder/service-config.js';
import type { PipelineOptions } from './pipeline.js';

/** Rows kept for the background refit (a few hours of windows of a small mesh). */
const MAX_RECENT_ROWS = 20_000;
const MIN_ROWS_TO_TRAIN = 500;
/** Calibrated score above which a window counts as unlike the baseline. */
const NEURAL_THRESHOLD = 0.99;

export interface NeuralHook {
  onFeatures: NonNullable<PipelineOptions['onFeatures']>;
  /** Fit on the rows seen so far (e.g. right after a history replay) instead of waiting for the refit. */
  fitNow(): Promise<boolean>;
  stop(): void;
}

export async function createNeuralHook(
  cfg: { neural: NeuralConfig },
  logger: Logger,
): Promise<NeuralHook | undefined> {
  if (!cfg.neural.enabled) return undefined;
  // Imported here so that processes without the model never load TensorFlow.js.
  const { AutoencoderDetector, autoencoderFindings, scheduleRefit } =
    await import('../../models/neural/autoencoder/index.js');
  const detector = await AutoencoderDetector.create({ logger, modelDir: cfg.neural.model_dir || undefined });
  const recent: number[][] = [];
  const controller = new AbortController();
  void scheduleRefit(
    detector,
    () => (recent.length >= MIN_ROWS_TO_TRAIN ? recent.slice() : []),
    cfg.neural.refit_interval_secs * 1000,
    controller.signal,
    { logger, minRows: MIN_ROWS_TO_TRAIN },
  );
  return {
    onFeatures(batch): Finding[] {
      for (const b of batch) {
        recent.push(b.row);
        if (recent.length > MAX_RECENT_ROWS) recent.shift();
      }
      if (!detector.trained) return [];
      return autoencoderFindings(detector, batch, NEURAL_THRESHOLD);
    },
    async fitNow() {
      if (recent.length < MIN_ROWS_TO_TRAIN) return false;
      await detector.fit(recent.slice(), { signal: controller.signal });
      return detector.trained;
    },
    stop() {
      controller.abort();
    },
  };
}
