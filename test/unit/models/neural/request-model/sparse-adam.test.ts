import type * as TF from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTfSync } from '../../../../../models/neural/backend.js';
import { trainSparseAdam, type DenseParams } from '../../../../../models/neural/request-model/sparse-adam.js';

const F = 32;
const H = 6;

/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function problem(n: number): { rows: Float32Array; shares: Float32Array; params: DenseParams } {
  const rnd = lcg(11);
  const rows = new Float32Array(n * F);
  for (let r = 0; r < n; r++) for (let k = 0; k < 5; k++) rows[r * F + Math.floor(rnd() * F)] = 1;
  const raw = Float32Array.from({ length: n }, () => 1 + rnd() * 9);
  const total = raw.reduce((a, b) => a + b, 0);
  const params = {
    w1: Float32Array.from({ length: F * H }, () => rnd() - 0.5),
    b1: Float32Array.from({ length: H }, () => (rnd() - 0.5) * 0.1),
    w2: Float32Array.from({ length: H * F }, () => rnd() - 0.5),
    b2: Float32Array.from({ length: F }, () => rnd() * 2 - 1),
  };
  return { rows, shares: raw.map((v) => v / total), params };
}

/** The same fit as a tfjs graph (dense ops, tf.train.adam): what the hand-written gradients must match. */
function tfjsFit(
  p: DenseParams,
  rows: Float32Array,
  shares: Float32Array,
  n: number,
  steps: number,
): Float32Array[] {
  const tf = loadTfSync();
  const vars = [
    tf.variable(tf.tensor2d(p.w1, [F, H])),
    tf.variable(tf.tensor1d(p.b1)),
    tf.variable(tf.tensor2d(p.w2, [H, F])),
    tf.variable(tf.tensor1d(p.b2)),
  ];
  const [w1, b1, w2, b2] = vars as [TF.Variable, TF.Variable, TF.Variable, TF.Variable];
  const x = tf.tensor2d(rows, [n, F]);
  const w = tf.tensor1d(shares);
  const optimizer = tf.train.adam(0.05);
  for (let step = 0; step < steps; step++)
    optimizer.minimize(
      () => {
        const hidden = tf.relu(tf.add(tf.matMul(x, w1), b1));
        const out = tf.sigmoid(tf.add(tf.matMul(hidden, w2), b2));
        return tf.sum(tf.mul(tf.mean(tf.squaredDifference(out, x), 1), w)) as TF.Scalar;
      },
      false,
      vars,
    );
  const out = vars.map((v) => v.dataSync() as Float32Array);
  tf.dispose([...vars, x, w]);
  optimizer.dispose();
  return out;
}

describe('trainSparseAdam', () => {
  it('takes the same steps as the dense tfjs graph with tf.train.adam', () => {
    const n = 40;
    const steps = 12;
    const { rows, shares, params } = problem(n);
    const expected = tfjsFit(params, rows, shares, n, steps);
    const before = Float32Array.from(params.w2);
    trainSparseAdam(params, rows, shares, n, { steps, learningRate: 0.05 });
    expect(params.w2).not.toEqual(before);
    [params.w1, params.b1, params.w2, params.b2].forEach((got, i) => {
      const want = expected[i]!;
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!));
      expect(worst).toBeLessThan(1e-4);
    });
  });

  it('lowers the weighted reconstruction error', () => {
    const n = 30;
    const { rows, shares, params } = problem(n);
    const loss = (p: DenseParams): number => {
      let sum = 0;
      for (let r = 0; r < n; r++) {
        const h = new Float64Array(H);
        for (let j = 0; j < H; j++) {
          let z = p.b1[j]!;
          for (let f = 0; f < F; f++) z += rows[r * F + f]! * p.w1[f * H + j]!;
          h[j] = Math.max(0, z);
        }
        let e = 0;
        for (let f = 0; f < F; f++) {
          let z = p.b2[f]!;
          for (let j = 0; j < H; j++) z += h[j]! * p.w2[j * F + f]!;
          e += (1 / (1 + Math.exp(-z)) - rows[r * F + f]!) ** 2;
        }
        sum += (shares[r]! * e) / F;
      }
      return sum;
    };
    const start = loss(params);
    trainSparseAdam(params, rows, shares, n, { steps: 40, learningRate: 0.05 });
    expect(loss(params)).toBeLessThan(start * 0.7);
  });
});
