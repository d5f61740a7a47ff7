/**
 * The network: a small dense autoencoder over hashed request-shape tokens (FEATURES → HIDDEN → FEATURES,
 * sigmoid out), one per destination service. Trained and run synchronously with tfjs ops (no `fit`, no
 * awaiting) so it can learn in the middle of a scoring pass at a point the event stream fixes: the same
 * replay gives the same model. Seeded initialisation, full-batch Adam (sparse-adam.ts), every tensor
 * inside tf.tidy.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../backend.js';
import { trainSparseAdam } from './sparse-adam.js';

/** Hashed feature width and bottleneck: ~4k weights, a few ms to train on a few hundred shapes. */
export const FEATURES = 128;
export const HIDDEN = 16;

/** FNV-1a, 32 bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Which feature a token lights (collisions are rare at ~20 tokens in 128 slots). */
export function tokenSlot(token: string): number {
  return hash32(token) % FEATURES;
}

/** The 0/1 feature row of a request's shape tokens. */
export function shapeRow(tokens: readonly string[], into = new Float32Array(FEATURES)): Float32Array {
  into.fill(0);
  for (const t of tokens) into[tokenSlot(t)] = 1;
  return into;
}

export interface TrainSettings {
  steps: number;
  learningRate: number;
  seed: number;
}

export class ShapeAutoencoder {
  private constructor(
    private readonly tf: Tf,
    private readonly weights: TF.Tensor[],
  ) {}

  /**
   * Fit on `rows` (n × FEATURES, row-major, 0/1), each weighted (how often the shape was seen). tfjs
   * draws the initial weights and holds and runs the fitted network; the steps themselves run in
   * sparse-adam.ts (the same loss and Adam, over the sparse input: see there why).
   */
  static train(
    tf: Tf,
    rows: Float32Array,
    weights: Float32Array,
    n: number,
    s: TrainSettings,
  ): ShapeAutoencoder {
    const glorot = (shape: [number, number], seed: number): Float32Array =>
      tf.tidy(() => tf.initializers.glorotUniform({ seed }).apply(shape).dataSync() as Float32Array);
    // The output bias starts at each feature's log-odds in the data: before any step the network already
    // predicts how often each token occurs, and training spends its few steps on which tokens go together.
    const total0 = weights.reduce((a, b) => a + b, 0) || 1;
    const freq = new Float32Array(FEATURES);
    for (let r = 0; r < n; r++)
      for (let f = 0; f < FEATURES; f++) freq[f]! += (rows[r * FEATURES + f]! * weights[r]!) / total0;
    const logOdds = freq.map((p) => {
      const q = Math.min(0.99, Math.max(0.01, p));
      return Math.log(q / (1 - q));
    });
    const params = {
      w1: glorot([FEATURES, HIDDEN], s.seed),
      b1: new Float32Array(HIDDEN),
      w2: glorot([HIDDEN, FEATURES], s.seed + 1),
      b2: logOdds,
    };
    trainSparseAdam(
      params,
      rows,
      weights.map((v) => v / total0),
      n,
      s,
    );
    return new ShapeAutoencoder(tf, [
      tf.tensor2d(params.w1, [FEATURES, HIDDEN]),
      tf.tensor1d(params.b1),
      tf.tensor2d(params.w2, [HIDDEN, FEATURES]),
      tf.tensor1d(params.b2),
    ]);
  }

  /** Mean squared reconstruction error of each row. */
  private rowErrors(x: TF.Tensor2D): TF.Tensor1D {
    const [w1, b1, w2, b2] = this.weights as [TF.Tensor2D, TF.Tensor1D, TF.Tensor2D, TF.Tensor1D];
    const tf = this.tf;
    const hidden = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const out = tf.sigmoid(tf.add(tf.matMul(hidden, w2), b2));
    return tf.mean(tf.squaredDifference(out, x), 1) as TF.Tensor1D;
  }

  /** Reconstruction errors of n rows in one pass. */
  errors(rows: Float32Array, n: number): Float32Array {
    return this.tf.tidy(
      () => this.rowErrors(this.tf.tensor2d(rows, [n, FEATURES])).dataSync() as Float32Array,
    );
  }

  dispose(): void {
    for (const v of this.weights) v.dispose();
  }
}
