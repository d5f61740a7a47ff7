/** Builds the ComponentSettings every component receives: logger, clock, metrics, state store. */
import pino, { type Logger } from 'pino';
import type { ComponentSettings } from '../pipelines/core/component.js';
import type { MeshguardConfig } from '../config/schema.js';
import type { Clock } from '../pipelines/core/clock.js';
import { Metrics } from '../pipelines/core/metrics.js';
import { MemoryStateStore, type StateStore } from '../pipelines/core/state-store.js';

/** Logs go to stderr: stdout belongs to command output (replay's summary line, demo's incidents). */
export function createLogger(level: MeshguardConfig['log_level']): Logger {
  return pino({ level, base: { service: 'meshguard' } }, pino.destination({ fd: 2, sync: false }));
}

export function createSettings(
  cfg: MeshguardConfig,
  opts: { clock: Clock; state?: StateStore; logger?: Logger; metrics?: Metrics },
): ComponentSettings {
  return {
    logger: opts.logger ?? createLogger(cfg.log_level),
    clock: opts.clock,
    metrics: opts.metrics ?? new Metrics(),
    state: opts.state ?? new MemoryStateStore(() => opts.clock.nowMs()),
  };
}

/** The parse options of a config's naming keys (one definition, in pipelines/parse/options.ts). */
export { parseOptionsOf } from '../pipelines/parse/index.js';
