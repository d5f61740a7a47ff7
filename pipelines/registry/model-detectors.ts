/** Detectors over metric series, and the neural model that corroborates window findings. */
import { checked } from './check.js';
import { factory as autoencoder } from '../../models/neural/autoencoder/index.js';
import { factory as seriesStack } from '../../models/statistical/series-stack/index.js';

export const MODEL_DETECTORS = checked([seriesStack, autoencoder] as const);
