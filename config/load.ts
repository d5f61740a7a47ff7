/**
 * Load, default and validate the configuration in stages: file → environment overrides → schema
 * (unknown keys named with a suggestion, every error at once) → cross-field rules.
 */
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { MeshguardConfig } from './schema.js';
import { MeshguardError } from '../pipelines/core/errors.js';
import { validateAlertsConfig } from '../pipelines/responders/alerts/validate.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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

/** Environment variables that override the file (design.md's command-line contract). */
export function applyEnv(raw: Json, env: NodeJS.ProcessEnv): Json {
  const out = structuredClone(raw);
  const section = (name: string): Json => {
    if (!isObject(out[name])) out[name] = {};
    return out[name] as Json;
  };
  if (env.MESHGUARD_KAFKA_BROKERS)
    section('kafka').brokers = env.MESHGUARD_KAFKA_BROKERS.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  if (env.MESHGUARD_REDIS_URL) section('redis').url = env.MESHGUARD_REDIS_URL;
  if (env.MESHGUARD_INGEST_TOKEN) section('ingest').token = env.MESHGUARD_INGEST_TOKEN;
  if (env.MESHGUARD_ADMIN_TOKEN) section('admin').token = env.MESHGUARD_ADMIN_TOKEN;
  if (env.MESHGUARD_POLICIES_DIR) section('quarantine').policies_dir = env.MESHGUARD_POLICIES_DIR;
  return out;
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

/** Validate a raw object (already merged with the environment) into a full config, or throw every error at once. */
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

export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): MeshguardConfig {
  let raw: Json = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new MeshguardError(
        'MESHGUARD_ERR_CONFIG_FILE',
        `cannot read config file ${file}: ${(error as Error).message}`,
      );
    }
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
    raw = (parsed ?? {}) as Json;
  }
  return resolveConfig(applyEnv(raw, env));
}
