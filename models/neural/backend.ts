/**
 * TensorFlow.js loading and backend selection for meshguard's neural models.
 *
 * tfjs is imported lazily (dynamic import) and only here: importing it costs a few hundred ms, and
 * replay/serve must start fast when no neural model is configured. Every other module takes the `tf`
 * namespace from `loadTf()` and imports tfjs for types only.
 *
 * Backend order, best first:
 *  1. `tensorflow` — @tensorflow/tfjs-node (native libtensorflow). An optional dependency that often
 *     cannot install (no prebuilt binary for the platform), so it is imported by a computed name inside
 *     try/catch and never appears as a static import.
 *  2. `wasm` — @tensorflow/tfjs-backend-wasm. In Node the .wasm binaries are read from the package's
 *     dist/ folder, so we point setWasmPaths at that folder as a file path.
 *  3. `cpu` — the pure-JS kernels bundled with @tensorflow/tfjs. Always available, slowest.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { Logger } from 'pino';
import type * as TF from '@tensorflow/tfjs';
import type * as TfWasm from '@tensorflow/tfjs-backend-wasm';

export type Tf = typeof TF;
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Environment override, for operators who want to pin a backend (e.g. `cpu` to rule out wasm issues). */
export const BACKEND_ENV = 'MESHGUARD_TF_BACKEND';

let tfPromise: Promise<Tf> | undefined;
let backendPromise: Promise<BackendName> | undefined;

/** The tfjs namespace, imported once on first use. */
export function loadTf(): Promise<Tf> {
  tfPromise ??= import('@tensorflow/tfjs').then((mod) => {
    // tfjs is CommonJS in Node; depending on the loader the namespace may sit under `default`.
    const tf = ((mod as unknown as { default?: Tf }).default ?? mod) as Tf;
    // Production mode drops per-op NaN checks and the console banner the cpu backend prints in Node
    // ("Hi, looks like you are running TensorFlow.js in Node.js"), which would corrupt CLI output.
    tf.enableProdMode();
    return tf;
  });
  return tfPromise;
}

/**
 * The tfjs namespace, loaded synchronously (tfjs is CommonJS in Node, so `require` shares the instance
 * `loadTf` imports). For models that start in the middle of a synchronous scoring pass, at a point fixed
 * by the event stream, so a replay stays deterministic. Its backend is the one `initBackend` chose, else
 * the pure-JS `cpu` one, which tfjs initialises on first use without awaiting.
 */
export function loadTfSync(): Tf {
  const tf = createRequire(import.meta.url)('@tensorflow/tfjs') as Tf;
  tf.enableProdMode();
  tfPromise ??= Promise.resolve(tf);
  return tf;
}

export interface InitBackendOptions {
  /** Try only this backend and the ones after it in the order above (tests use 'cpu'). */
  prefer?: BackendName;
}

/**
 * Pick and initialise the best available backend once per process, and log which one was chosen.
 * Later calls return the same choice. Never throws: `cpu` always works.
 */
export function initBackend(logger: Logger, opts: InitBackendOptions = {}): Promise<BackendName> {
  backendPromise ??= selectBackend(logger, opts);
  return backendPromise;
}

async function selectBackend(logger: Logger, opts: InitBackendOptions): Promise<BackendName> {
  const started = performance.now();
  const tf = await loadTf();
  const pinned = parsePreference(process.env[BACKEND_ENV], logger);
  const prefer = pinned ?? opts.prefer ?? 'tensorflow';
  const candidates = BACKEND_NAMES.slice(BACKEND_NAMES.indexOf(prefer));
  const skipped: Record<string, string> = {};

  for (const name of candidates) {
    try {
      if (await tryBackend(tf, name)) {
        logger.info(
          {
            backend: name,
            skipped,
            tfjsVersion: tf.version.tfjs,
            initMs: Math.round(performance.now() - started),
          },
          'TensorFlow.js backend selected',
        );
        return name;
      }
      skipped[name] = 'setBackend returned false';
    } catch (error) {
      skipped[name] = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
    logger.debug(
      { backend: name, reason: skipped[name] },
      'TensorFlow.js backend unavailable, trying the next one',
    );
  }
  // Unreachable in practice: the cpu backend ships inside @tensorflow/tfjs.
  await tf.setBackend('cpu');
  logger.warn({ backend: 'cpu', skipped }, 'TensorFlow.js backend selected after every candidate failed');
  return 'cpu';
}

async function tryBackend(tf: Tf, name: BackendName): Promise<boolean> {
  switch (name) {
    case 'tensorflow': {
      // A computed specifier keeps TypeScript and bundlers from resolving the optional package.
      const specifier = ['@tensorflow', 'tfjs-node'].join('/');
      await import(specifier);
      return (await tf.setBackend('tensorflow')) && tf.getBackend() === 'tensorflow';
    }
    case 'wasm': {
      // CommonJS in Node: depending on the loader the exports may sit under `default`.
      const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as typeof TfWasm & {
        default?: typeof TfWasm;
      };
      const setWasmPaths = wasm.setWasmPaths ?? wasm.default?.setWasmPaths;
      if (!setWasmPaths) throw new Error('setWasmPaths not exported by @tensorflow/tfjs-backend-wasm');
      setWasmPaths(wasmDistDir());
      return (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm';
    }
    case 'cpu':
      return (await tf.setBackend('cpu')) && tf.getBackend() === 'cpu';
  }
}

/** node_modules/@tensorflow/tfjs-backend-wasm/dist/ as a file path ending in a separator (a prefix). */
function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so its package.json is resolvable and marks the package root.
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkgJson), 'dist') + sep;
}

function parsePreference(value: string | undefined, logger: Logger): BackendName | undefined {
  if (!value) return undefined;
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  logger.warn({ value, allowed: BACKEND_NAMES }, `Ignoring ${BACKEND_ENV}: not a known backend`);
  return undefined;
}

/** Test hook: forget the memoised choice so a test can select again (tfjs itself stays loaded). */
export function resetBackendForTests(): void {
  backendPromise = undefined;
}
