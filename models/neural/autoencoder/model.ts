/**
 * The network itself: build, train (seeded, yielding to the event loop), reconstruct (inside tf.tidy),
 * and a file-system IOHandler so models save and load as standard tfjs `model.json` + `weights.bin`
 * without @tensorflow/tfjs-node (whose file:// handler is the only built-in one for Node).
 *
 * tfjs is passed in (`tf` from backend.ts's loadTf) and imported here for types only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type * as TF from '@tensorflow/tfjs';
import type { Tf } from '../backend.js';
import { FEATURE_COUNT } from './features.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface TrainOptions {
  hiddenUnits: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  onEpoch?: (epoch: number, loss: number) => void;
  signal?: AbortSignal;
}

/** Dense autoencoder: FEATURE_COUNT → hidden… → bottleneck → …hidden → FEATURE_COUNT (relu inside, linear out). */
export function buildAutoencoder(tf: Tf, hiddenUnits: number[], seed: number): TF.Sequential {
  const widths = [...hiddenUnits, ...hiddenUnits.slice(0, -1).reverse()];
  const model = tf.sequential({ name: 'meshguard_autoencoder' });
  widths.forEach((units, i) =>
    model.add(
      tf.layers.dense({
        units,
        activation: 'relu',
        ...(i === 0 ? { inputShape: [FEATURE_COUNT] } : {}),
        // Seeded init: retraining on the same rows gives the same model (replay stays deterministic).
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
      }),
    ),
  );
  model.add(
    tf.layers.dense({
      units: FEATURE_COUNT,
      activation: 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + widths.length }),
    }),
  );
  return model;
}

/** Deterministic PRNG (mulberry32) for epoch shuffling; tfjs's own shuffle uses Math.random. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function permutation(n: number, random: () => number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/**
 * Train a fresh model on scaled rows (`scaled`: n × FEATURE_COUNT, row-major). Returns the model and the
 * loss of each epoch. Yields to the event loop during and between epochs so scoring and I/O carry on
 * while a refit runs. Throws an AbortError-named Error when `signal` aborts (the partial model is freed).
 */
export async function trainAutoencoder(
  tf: Tf,
  scaled: Float32Array,
  n: number,
  opts: TrainOptions,
): Promise<{ model: TF.Sequential; losses: number[] }> {
  const model = buildAutoencoder(tf, opts.hiddenUnits, opts.seed);
  const optimizer = tf.train.adam(opts.learningRate);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const x = tf.tensor2d(scaled, [n, FEATURE_COUNT]);
  const random = mulberry32(opts.seed ^ 0x9e3779b9);
  const losses: number[] = [];
  try {
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      throwIfAborted(opts.signal);
      const order = tf.tensor1d(permutation(n, random), 'int32');
      const shuffled = tf.gather(x, order);
      order.dispose();
      try {
        const history = await model.fit(shuffled, shuffled, {
          epochs: 1,
          batchSize: opts.batchSize,
          shuffle: false, // already shuffled, with our seed
          verbose: 0,
          // Milliseconds between yields inside the epoch: a 200k-row epoch must not freeze the scorer.
          yieldEvery: 25,
        });
        const loss = Number(history.history.loss?.[0] ?? NaN);
        losses.push(loss);
        opts.onEpoch?.(epoch, loss);
      } finally {
        shuffled.dispose();
      }
      await yieldToEventLoop();
    }
    return { model, losses };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    x.dispose();
    // The optimizer's moment variables are not needed for scoring, and model.dispose() would not free an
    // optimizer instance passed in by us.
    optimizer.dispose();
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const error = new Error('training aborted');
    error.name = 'AbortError';
    throw error;
  }
}

/**
 * Reconstruct scaled rows with one predict call; returns the reconstruction (n × FEATURE_COUNT).
 * Runs inside tf.tidy, so no tensor outlives the call.
 */
export function reconstruct(tf: Tf, model: TF.LayersModel, scaled: Float32Array, n: number): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(scaled, [n, FEATURE_COUNT]);
    // predict() splits into batches of 32 by default: hundreds of tiny kernel launches for a 10k batch.
    const output = model.predict(input, { batchSize: Math.max(n, 1) }) as TF.Tensor;
    return output.dataSync() as Float32Array;
  });
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/** Write through a temporary name and rename, so a crash never leaves a half-written file under the real name. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export interface FileIOHandler extends TF.io.IOHandler {
  /** sha256 of the files written by the last save(), so the metadata can pin them. */
  readonly written: Record<string, string>;
}

/**
 * tfjs IOHandler over a directory: model.json (topology + weights manifest) and weights.bin, the layout
 * tfjs-node's file:// handler and the tfjs converter use, so the model opens in any tfjs tooling.
 */
export function fileIOHandler(tf: Tf, dir: string): FileIOHandler {
  const written: Record<string, string> = {};
  return {
    written,
    async save(artifacts: TF.io.ModelArtifacts): Promise<TF.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new Error('binary model topology is not supported by the file handler');
      await mkdir(dir, { recursive: true });
      const weights = new Uint8Array(
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
      );
      const modelJson: TF.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      const text = JSON.stringify(modelJson);
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      await writeFileAtomic(join(dir, MODEL_JSON), text);
      written[WEIGHTS_BIN] = sha256(weights);
      written[MODEL_JSON] = sha256(text);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<TF.io.ModelArtifacts> {
      const text = await readFile(join(dir, MODEL_JSON), 'utf8');
      written[MODEL_JSON] = sha256(text);
      const modelJson = JSON.parse(text) as TF.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          for (const path of group.paths) {
            const local = normalize(path);
            // A model.json must not make us read files outside its own directory.
            if (isAbsolute(local) || local.startsWith('..'))
              throw new Error(`weights path escapes the model directory: ${path}`);
            const data = await readFile(join(dir, local));
            written[local] = sha256(data);
            buffers.push(data);
          }
        }
        const total = Buffer.concat(buffers);
        const weightData = total.buffer.slice(
          total.byteOffset,
          total.byteOffset + total.byteLength,
        ) as ArrayBuffer;
        return [tf.io.getWeightSpecs(manifest), weightData];
      });
    },
  };
}
