/**
 * Online refits: retrain the detector on recent normal rows at an interval, in the background, so the
 * model follows new services and releases without a restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AutoencoderDetector } from './detector.js';

export interface RefitOptions {
  logger?: Logger;
  /** Skip a refit when fewer rows are available (default: never skip; fit() refuses below min_training_rows). */
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
