/**
 * Saving and loading a trained autoencoder in a directory: model.json + weights.bin (standard tfjs
 * layers format, through model.ts's file IOHandler), then the metadata, written last so that its
 * presence marks a complete save. A directory that mixes two saves, or was written for other features
 * or another format version, is refused with a message that says to retrain.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { MeshguardError } from '../../../pipelines/core/errors.js';
import type { Tf } from '../backend.js';
import { FEATURE_COUNT } from './features.js';
import { METADATA_FILE, metadataProblems, type AutoencoderMetadata, type TrainedModel } from './metadata.js';
import { fileIOHandler, writeFileAtomic, MODEL_JSON, WEIGHTS_BIN } from './model.js';

/** Write the model files, then the metadata pinning their hashes. Returns the metadata as written. */
export async function saveModel(tf: Tf, trained: TrainedModel, dir: string): Promise<AutoencoderMetadata> {
  const handler = fileIOHandler(tf, dir);
  await trained.model.save(handler);
  const meta: AutoencoderMetadata = { ...trained.meta, files: { ...handler.written } };
  await writeFileAtomic(join(dir, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}

/**
 * Load the model saved in `dir`. Undefined when the directory holds no metadata (nothing saved yet);
 * throws MESHGUARD_ERR_INPUT when what is there cannot be used.
 */
export async function loadModel(tf: Tf, dir: string): Promise<TrainedModel | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, METADATA_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
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

  const handler = fileIOHandler(tf, dir);
  let model: TF.LayersModel;
  try {
    model = await tf.loadLayersModel(handler);
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
  return { model, meta };
}

function modelError(dir: string, details: string[]): MeshguardError {
  return new MeshguardError(
    'MESHGUARD_ERR_INPUT',
    `the autoencoder in ${dir} cannot be used; retrain it with \`meshguard train\``,
    details,
  );
}
