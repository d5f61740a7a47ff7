/**
 * From a reconstruction to what a score reports: the mean squared error of a row, the squared error of
 * each feature, and the features that drove it. Pure, no tfjs.
 */
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';

/** Rows per predict call: bounds the transient memory of a huge batch (rows × 14 floats × ~4 buffers). */
export const SCORE_CHUNK_ROWS = 65_536;

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

/**
 * Mean squared error between the scaled row at `base` and its reconstruction; when `contributions` is
 * given, each feature's squared error is written into it.
 */
export function reconstructionError(
  reconstructed: Float32Array,
  scaled: Float32Array,
  base: number,
  contributions?: Float64Array,
): number {
  let sum = 0;
  for (let j = 0; j < FEATURE_COUNT; j++) {
    const d = reconstructed[base + j]! - scaled[base + j]!;
    if (contributions) contributions[j] = d * d;
    sum += d * d;
  }
  return sum / FEATURE_COUNT;
}

/** The k largest contributions, largest first (insertion into a k-slot list: k is tiny, rows are many). */
export function topContributions(contributions: Float64Array, k: number): FeatureContribution[] {
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
