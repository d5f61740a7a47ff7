/**
 * The one way commands get their configuration, in stages: file → environment variables (MESHGUARD_*)
 * → command-line overrides → schema validation (every error at once, naming the key) → cross-field
 * rules → deep freeze. Nothing changes the config after this: a command that needs another value says so
 * in its overrides.
 *
 * Start-up cost: the schema validator (TypeBox) and the YAML parser take about 0.3 s to load. With no
 * file and no MESHGUARD_ variable the raw config is the generated defaults (config/defaults.generated.ts,
 * checked against the schema by a test) plus the command line's overrides, which the commands build from
 * flags they have already checked; then neither is loaded, which keeps `meshguard replay` start-up short.
 */
import { readFile } from 'node:fs/promises';
import { MeshguardError } from '../pipelines/core/errors.js';
import { DEFAULT_CONFIG } from './defaults.generated.js';
import {
  applyEnv,
  applyOverrides,
  deepFreeze,
  isObject,
  type ConfigOverrides,
  type Json,
} from './overrides.js';
import type { MeshguardConfig } from './schema.js';

export type { ConfigOverrides } from './overrides.js';

export interface ConfigSources {
  /** A YAML file (--config). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** What the command line sets (e.g. --port, replay's --policies-dir). */
  overrides?: ConfigOverrides;
}

export async function loadConfig(sources: ConfigSources = {}): Promise<Readonly<MeshguardConfig>> {
  const { file, env = process.env, overrides = {} } = sources;
  const fromEnv = Object.keys(env).some((k) => k.startsWith('MESHGUARD_'));
  if (!file && !fromEnv)
    return deepFreeze(applyOverrides(DEFAULT_CONFIG as unknown as Json, overrides) as MeshguardConfig);
  const raw = file ? await readConfigFile(file) : {};
  const { resolveConfig } = await import('./validate.js');
  return deepFreeze(resolveConfig(applyOverrides(applyEnv(raw, env), overrides)));
}

async function readConfigFile(file: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MeshguardError(
      'MESHGUARD_ERR_CONFIG_FILE',
      `cannot read config file ${file}: ${(error as Error).message}`,
    );
  }
  const { parse: parseYaml } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new MeshguardError(
      'MESHGUARD_ERR_CONFIG_FILE',
      `config file ${file} is not valid YAML: ${(error as Error).message}`,
    );
  }
  if (parsed != null && !isObject(parsed))
    throw new MeshguardError(
      'MESHGUARD_ERR_CONFIG_INVALID',
      `config file ${file}: must be a mapping of keys`,
    );
  return (parsed ?? {}) as Json;
}
