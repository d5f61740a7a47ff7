/**
 * One request model per destination service, trained online on the request shapes that service normally
 * receives (method, path shape, query keys and value classes: tokens, never raw values). Every service's
 * shapes are counted (cheap); its network is fitted only when a request to it needs judging, once it has
 * seen `min_requests` clean requests, and refitted when asked again after its traffic grew eightfold, then
 * every `refit_every` requests, so new API versions become normal as they roll out. A service nobody
 * sends odd requests to never costs a fit.
 *
 * `novelty` answers "how unlike this service's usual requests is this one": 0 for a shape it has seen
 * at least twice, else the reconstruction error over the service's calibrated threshold (> 1: unusual).
 * Rows are scored in one batch per call and remembered per shape until the next fit.
 */
import type { Logger } from 'pino';
import { loadTfSync, type Tf } from '../backend.js';
import { FEATURES, ShapeAutoencoder, shapeRow } from './network.js';
import { ShapeCounts } from './shape-counts.js';

export interface RequestModelSettings {
  /** Clean requests a service must have received before its first model. */
  minRequests: number;
  /** Requests between refits once grown (the first refits come at 4×, 16×... min_requests). */
  refitEvery: number;
  /** Distinct shapes remembered per service (the least seen are forgotten first). */
  maxShapes: number;
  /** Services with a model; requests to services past it are not modelled. */
  maxServices: number;
  /** Adam steps per fit. */
  steps: number;
}

export interface ShapeQuery {
  /** The shape's key (its tokens joined): equal shapes share one score. */
  shape: string;
  tokens: readonly string[];
}

/** The calibrated threshold never goes below this error (a service with one shape reconstructs it exactly). */
const MIN_THRESHOLD = 0.004;
const MAX_CACHED_SCORES = 2048;

class ServiceModel {
  readonly shapes: ShapeCounts;
  readonly scores = new Map<string, number>();
  seen = 0;
  nextFitAt: number;
  net: ShapeAutoencoder | undefined;
  threshold = 0;

  constructor(minRequests: number, maxShapes: number) {
    this.nextFitAt = minRequests;
    this.shapes = new ShapeCounts(maxShapes);
  }
}

export class RequestModels {
  private readonly services = new Map<string, ServiceModel>();
  private tf: Tf | undefined;
  private unavailable = false;
  fits = 0;

  constructor(
    private readonly settings: RequestModelSettings,
    private readonly logger: Logger,
  ) {}

  get trainedServices(): number {
    let n = 0;
    for (const m of this.services.values()) if (m.net !== undefined) n++;
    return n;
  }

  /** A clean request `service` received. */
  learn(service: string, shape: string, tokens: readonly string[]): void {
    let model = this.services.get(service);
    if (model === undefined) {
      if (this.services.size >= this.settings.maxServices) return;
      model = new ServiceModel(this.settings.minRequests, this.settings.maxShapes);
      this.services.set(service, model);
    }
    model.shapes.remember(shape, tokens);
    model.seen++;
  }

  /**
   * Novelty of each query for `service` (see the file comment), fitting its network first when due;
   * NaN while the service has too few requests for a model.
   */
  novelty(service: string, queries: readonly ShapeQuery[]): number[] {
    const model = this.services.get(service);
    if (model !== undefined && model.seen >= model.nextFitAt) {
      const s = this.settings;
      model.nextFitAt = model.seen * 8 < s.refitEvery ? model.seen * 8 : model.seen + s.refitEvery;
      this.fit(service, model);
    }
    if (model?.net === undefined) return queries.map(() => Number.NaN);
    const out = new Array<number>(queries.length).fill(0);
    const missing: number[] = [];
    queries.forEach((q, i) => {
      if ((model.shapes.get(q.shape)?.count ?? 0) >= 2) return;
      const cached = model.scores.get(q.shape);
      if (cached !== undefined) out[i] = cached;
      else missing.push(i);
    });
    if (missing.length > 0) {
      const rows = new Float32Array(missing.length * FEATURES);
      missing.forEach((i, k) =>
        shapeRow(queries[i]!.tokens, rows.subarray(k * FEATURES, (k + 1) * FEATURES)),
      );
      const errors = model.net.errors(rows, missing.length);
      missing.forEach((i, k) => {
        out[i] = errors[k]! / model.threshold;
        if (model.scores.size < MAX_CACHED_SCORES) model.scores.set(queries[i]!.shape, out[i]!);
      });
    }
    return out;
  }

  dispose(): void {
    for (const m of this.services.values()) m.net?.dispose();
    this.services.clear();
  }

  private fit(service: string, model: ServiceModel): void {
    const tf = this.tfjs();
    if (tf === undefined) return;
    const shapes = [...model.shapes.values()];
    const n = shapes.length;
    const rows = new Float32Array(n * FEATURES);
    const weights = new Float32Array(n);
    shapes.forEach((e, k) => {
      shapeRow(e.tokens, rows.subarray(k * FEATURES, (k + 1) * FEATURES));
      weights[k] = Math.sqrt(e.count); // rare legitimate shapes still count
    });
    const net = ShapeAutoencoder.train(tf, rows, weights, n, {
      steps: this.settings.steps,
      learningRate: 0.05,
      seed: 7,
    });
    model.net?.dispose();
    model.net = net;
    model.threshold = calibratedThreshold(net.errors(rows, n), weights);
    model.scores.clear();
    this.fits++;
    this.logger.debug(
      { service, shapes: n, requests: model.seen, threshold: model.threshold },
      'request model fitted',
    );
  }

  private tfjs(): Tf | undefined {
    if (this.tf !== undefined || this.unavailable) return this.tf;
    try {
      const tf = loadTfSync();
      tf.tidy(() => tf.zeros([1])); // initialises the backend now, where a failure is caught
      this.tf = tf;
    } catch (error) {
      this.unavailable = true;
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'TensorFlow.js unavailable: request models disabled, grammar checks only',
      );
    }
    return this.tf;
  }
}

/** 1.5× the weighted 99th percentile of the training shapes' errors: what the service's own requests score. */
function calibratedThreshold(errors: Float32Array, weights: Float32Array): number {
  const order = [...errors.keys()].sort((a, b) => errors[a]! - errors[b]!);
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  let q = errors[order[order.length - 1]!] ?? 0;
  for (const i of order) {
    acc += weights[i]!;
    if (acc >= 0.99 * total) {
      q = errors[i]!;
      break;
    }
  }
  return Math.max(q * 1.5, MIN_THRESHOLD);
}
