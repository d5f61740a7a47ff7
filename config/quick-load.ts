/**
 * The configuration as commands load it. With no file and no MESHGUARD_* variable the defaults are
 * all there is, and they come from a generated module: no schema builder or validator is loaded, which
 * keeps `meshguard replay` start-up short. Anything else goes through the full loader.
 */
import type { MeshguardConfig } from './schema.js';
import { DEFAULT_CONFIG } from './defaults.generated.js';

export async function loadConfigQuick(
  file?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MeshguardConfig> {
  const overridden = Object.keys(env).some((k) => k.startsWith('MESHGUARD_'));
  if (!file && !overridden) return structuredClone(DEFAULT_CONFIG);
  const { loadConfig } = await import('./load.js');
  return loadConfig(file, env);
}
