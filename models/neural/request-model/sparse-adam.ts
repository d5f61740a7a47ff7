/**
 * Full-batch Adam for the shape autoencoder, with its gradients written out by hand over the sparse
 * input. A shape row is 0/1 with ~15 of 128 features lit, so the input layer is a sum of ~15 weight rows
 * and its gradient touches only those rows. tfjs's pure-JS `cpu` backend (the one replay runs on) does
 * the same fit as dense tensor ops at ~100 ms a step for 512 shapes, most of a replay's cost; this loop
 * does it in a few ms a step. The maths is the tfjs graph's, step for step: relu hidden, sigmoid out,
 * per-row mean squared error weighted by the row's share, Adam as `tf.train.adam` (β1 0.9, β2 0.999,
 * ε 1e-7, bias-corrected), so the model is the one tfjs would fit, up to float rounding.
 */

/** The network's parameters, row-major: w1 is features × hidden, w2 hidden × features. */
export interface DenseParams {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export interface AdamSettings {
  steps: number;
  learningRate: number;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
/** tfjs's float32 backend epsilon, which `tf.train.adam` uses when none is given. */
const EPSILON = 1e-7;

/**
 * The distinct rows as lit-feature indices (CSR offsets and columns), each with the summed share of the
 * rows equal to it. The loss is a share-weighted sum over rows, so equal rows fold into one exactly; and
 * they are common: shapes that differ only in an id-like segment (`SKU-10063`) hash their differing token
 * into the same few slots.
 */
function distinctRows(
  rows: Float32Array,
  shares: Float32Array,
  n: number,
  features: number,
): { starts: Int32Array; cols: Int32Array; shares: Float64Array; count: number } {
  const index = new Map<string, number>();
  const starts = [0];
  const cols: number[] = [];
  const folded: number[] = [];
  for (let r = 0; r < n; r++) {
    const lit: number[] = [];
    for (let f = 0; f < features; f++) if (rows[r * features + f] !== 0) lit.push(f);
    const key = lit.join(',');
    const seen = index.get(key);
    if (seen !== undefined) {
      folded[seen]! += shares[r]!;
      continue;
    }
    index.set(key, folded.length);
    folded.push(shares[r]!);
    cols.push(...lit);
    starts.push(cols.length);
  }
  return {
    starts: Int32Array.from(starts),
    cols: Int32Array.from(cols),
    shares: Float64Array.from(folded),
    count: folded.length,
  };
}

class AdamState {
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(size: number) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** One update of `param` by `grad`; accBeta1/2 are β^t for this step t. */
  apply(param: Float64Array, grad: Float64Array, lr: number, accBeta1: number, accBeta2: number): void {
    const { m, v } = this;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i]!;
      m[i] = BETA1 * m[i]! + (1 - BETA1) * g;
      v[i] = BETA2 * v[i]! + (1 - BETA2) * g * g;
      const mHat = m[i]! / (1 - accBeta1);
      const vHat = v[i]! / (1 - accBeta2);
      param[i] = param[i]! - (lr * mHat) / (Math.sqrt(vHat) + EPSILON);
    }
  }
}

/**
 * Minimise Σ_r share_r · mean_f (sigmoid(relu(x_r·w1 + b1)·w2 + b2)_f − x_rf)² over `params`, in place.
 * `rows` is n × features (0/1), `shares` sums to 1.
 */
export function trainSparseAdam(
  params: DenseParams,
  rows: Float32Array,
  shares: Float32Array,
  n: number,
  s: AdamSettings,
): void {
  const hidden = params.b1.length;
  const features = params.b2.length;
  const { starts, cols, shares: share, count } = distinctRows(rows, shares, n, features);
  // Working copies in doubles; the fitted values are written back as float32 at the end.
  const [w1, b1, w2, b2] = [params.w1, params.b1, params.w2, params.b2].map((p) => Float64Array.from(p)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const grads = [w1, b1, w2, b2].map((p) => new Float64Array(p.length)) as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const [gw1, gb1, gw2, gb2] = grads;
  const adam = [w1, b1, w2, b2].map((p) => new AdamState(p.length));
  const z1 = new Float64Array(hidden);
  const dh = new Float64Array(hidden);
  const dOut = new Float64Array(features);
  // The hidden units a row lights (relu > 0) and their values: the rest add nothing either way.
  const on = new Int32Array(hidden);
  const x = new Float64Array(features);
  const hv = new Float64Array(hidden);
  let accBeta1 = BETA1;
  let accBeta2 = BETA2;
  for (let step = 0; step < s.steps; step++) {
    for (const g of grads) g.fill(0);
    for (let r = 0; r < count; r++) {
      // Forward: the input layer sums the weight rows of the lit features.
      z1.set(b1);
      const c0 = starts[r]!;
      const c1 = starts[r + 1]!;
      for (let c = c0; c < c1; c++) {
        const base = cols[c]! * hidden;
        for (let j = 0; j < hidden; j++) z1[j]! += w1[base + j]!;
      }
      let k = 0;
      for (let j = 0; j < hidden; j++)
        if (z1[j]! > 0) {
          on[k] = j;
          hv[k++] = z1[j]!;
        }
      // The output layer: b2 plus the w2 rows of the lit hidden units, each scaled by its value.
      dOut.set(b2);
      for (let a = 0; a < k; a++) {
        const base = on[a]! * features;
        const v = hv[a]!;
        for (let f = 0; f < features; f++) dOut[f]! += v * w2[base + f]!;
      }
      // d loss / d out = 2 (out − x) · share / features; through the sigmoid: · out (1 − out).
      const scale = (2 * share[r]!) / features;
      x.fill(0);
      for (let c = c0; c < c1; c++) x[cols[c]!] = 1;
      for (let f = 0; f < features; f++) {
        const out = 1 / (1 + Math.exp(-dOut[f]!));
        const d = scale * (out - x[f]!) * out * (1 - out);
        dOut[f] = d;
        gb2[f]! += d;
      }
      // Back through the relu (its gradient is 0 at 0, as tfjs's: units not lit get none).
      dh.fill(0);
      for (let a = 0; a < k; a++) {
        const base = on[a]! * features;
        const v = hv[a]!;
        let back = 0;
        for (let f = 0; f < features; f++) {
          gw2[base + f]! += v * dOut[f]!;
          back += dOut[f]! * w2[base + f]!;
        }
        dh[on[a]!] = back;
      }
      // To the lit rows of w1.
      for (let j = 0; j < hidden; j++) gb1[j]! += dh[j]!;
      for (let c = c0; c < c1; c++) {
        const base = cols[c]! * hidden;
        for (let j = 0; j < hidden; j++) gw1[base + j]! += dh[j]!;
      }
    }
    [w1, b1, w2, b2].forEach((p, i) => adam[i]!.apply(p, grads[i]!, s.learningRate, accBeta1, accBeta2));
    accBeta1 *= BETA1;
    accBeta2 *= BETA2;
  }
  params.w1.set(w1);
  params.b1.set(b1);
  params.w2.set(w2);
  params.b2.set(b2);
}
