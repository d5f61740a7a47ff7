/**
 * The validation stages of the configuration: schema (unknown keys named with a suggestion, wrong types,
 * defaults filled in; every error at once) → cross-field rules. config/load.ts runs them after the file,
 * the environment and the command line have been merged; tests call resolveConfig() on a literal.
 */
import { Value } from '@sinclair/typebox/value';
import { MeshguardConfig } from './schema.js';
import { MeshguardError } from '../pipelines/core/errors.js';
import { validateAlertsConfig } from '../pipelines/responders/alerts/validate.js';
import { isObject, type Json } from './overrides.js';

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggest(key: string, known: string[]): string {
  let best = '';
  let bestDist = Infinity;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDist) [best, bestDist] = [k, d];
  }
  return bestDist <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Unknown keys, walking the schema alongside the value, reported as `a.b: unknown key "x" (did you mean "y"?)`. */
function unknownKeys(schema: unknown, value: unknown, path: string, out: string[]): void {
  if (!isObject(schema)) return;
  if (Array.isArray(schema.anyOf) && isObject(value)) {
    // Union of objects discriminated by `type`: check against the member whose literal matches.
    const member = (schema.anyOf as Json[]).find(
      (m) =>
        isObject(m.properties) &&
        (m.properties as Json).type &&
        ((m.properties as Json).type as Json).const === value.type,
    );
    if (member) unknownKeys(member, value, path, out);
    return;
  }
  if (schema.type === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => unknownKeys(schema.items, item, `${path}[${i}]`, out));
    return;
  }
  if (schema.type !== 'object' || !isObject(value) || !isObject(schema.properties)) return;
  const props = schema.properties as Json;
  const known = Object.keys(props);
  for (const key of Object.keys(value)) {
    const where = path ? `${path}: ` : '';
    if (!(key in props)) {
      if (schema.additionalProperties === false)
        out.push(`${where}unknown key "${key}"${suggest(key, known)}`);
      continue;
    }
    unknownKeys(props[key], value[key], path ? `${path}.${key}` : key, out);
  }
}

function crossFieldErrors(cfg: MeshguardConfig): string[] {
  const errors: string[] = [];
  if (cfg.windowing.allowed_lateness_secs >= cfg.windowing.window_secs * 6)
    errors.push(
      'windowing.allowed_lateness_secs: must be under six windows (state would grow without bound)',
    );
  if (cfg.quarantine.sink === 'gitops' && !cfg.quarantine.policies_dir)
    errors.push('quarantine.policies_dir: required when quarantine.sink is "gitops"');
  errors.push(...validateAlertsConfig(cfg.alerts));
  return errors;
}

/** Validate a raw object (file, environment and command line already merged) into a full config, or throw every error at once. */
export function resolveConfig(raw: unknown): MeshguardConfig {
  const input = raw ?? {};
  if (!isObject(input))
    throw new MeshguardError('MESHGUARD_ERR_CONFIG_INVALID', 'config: must be a mapping of keys');
  const errors: string[] = [];
  unknownKeys(MeshguardConfig, input, '', errors);
  if (errors.length)
    throw new MeshguardError('MESHGUARD_ERR_CONFIG_UNKNOWN_KEY', 'Invalid configuration', errors);
  const withDefaults = Value.Default(MeshguardConfig, structuredClone(input));
  for (const e of Value.Errors(MeshguardConfig, withDefaults)) {
    const key = e.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    errors.push(`${key}: ${e.message}`);
  }
  if (errors.length)
    throw new MeshguardError('MESHGUARD_ERR_CONFIG_INVALID', 'Invalid configuration', errors);
  const cfg = withDefaults as MeshguardConfig;
  const cross = crossFieldErrors(cfg);
  if (cross.length) throw new MeshguardError('MESHGUARD_ERR_CONFIG_INVALID', 'Invalid configuration', cross);
  return cfg;
}
