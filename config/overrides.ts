/**
 * What overrides the config file, in order: environment variables, then the command line. Both are
 * merged into the raw config before it is validated, so a bad override is reported like a bad file.
 * This module loads no schema code (commands without a file start fast, see load.ts).
 */
import type { MeshguardConfig } from './schema.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A part of the config: nested objects partial, lists and values whole. */
export type ConfigOverrides = {
  [K in keyof MeshguardConfig]?: MeshguardConfig[K] extends readonly unknown[]
    ? MeshguardConfig[K]
    : MeshguardConfig[K] extends object
      ? Partial<MeshguardConfig[K]>
      : MeshguardConfig[K];
};

/** Environment variables that override the file (the command-line contract in README.md). */
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
  if (env.MESHGUARD_REDIS_PASSWORD) section('redis').password = env.MESHGUARD_REDIS_PASSWORD;
  if (env.MESHGUARD_KAFKA_SASL_PASSWORD) {
    const kafka = section('kafka');
    const file = isObject(kafka.sasl) ? kafka.sasl : {};
    kafka.sasl = {
      mechanism: env.MESHGUARD_KAFKA_SASL_MECHANISM ?? file.mechanism ?? 'scram-sha-512',
      username: env.MESHGUARD_KAFKA_SASL_USERNAME ?? file.username ?? '',
      password: env.MESHGUARD_KAFKA_SASL_PASSWORD,
    };
  }
  if (env.MESHGUARD_INGEST_TOKEN) section('ingest').token = env.MESHGUARD_INGEST_TOKEN;
  if (env.MESHGUARD_ADMIN_TOKEN) section('admin').token = env.MESHGUARD_ADMIN_TOKEN;
  if (env.MESHGUARD_POLICIES_DIR) section('quarantine').policies_dir = env.MESHGUARD_POLICIES_DIR;
  return out;
}

/** `overrides` merged into a copy of `raw`: objects key by key, lists and values replaced whole. */
export function applyOverrides(raw: Json, overrides: ConfigOverrides | Json): Json {
  const out = structuredClone(raw);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    out[key] =
      isObject(value) && isObject(out[key]) ? applyOverrides(out[key], value) : structuredClone(value);
  }
  return out;
}

/** Freezes every object and list reachable from `value`: a loaded config cannot be changed by accident. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
