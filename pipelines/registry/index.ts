/**
 * The one explicit registry of meshguard's components (the OpenTelemetry Collector's `components.go`):
 * every source, parser, detector and responder, by kind, one list per module so that a command loads
 * only the kinds it uses (a replay needs the window detectors, not kafkajs). Every list is checked when
 * its module loads (a duplicate or badly named type fails at start-up); this module joins them, checks
 * them together, and is what the conformance test (test/component/) runs every component of.
 */
import { checked, type AnyFactory } from './check.js';
import { MODEL_DETECTORS } from './model-detectors.js';
import { PARSERS } from './parsers.js';
import { RESPONDERS } from './responders.js';
import { SOURCES } from './sources.js';
import { WINDOW_DETECTORS } from './window-detectors.js';

export type { AnyFactory } from './check.js';
export { MODEL_DETECTORS, PARSERS, RESPONDERS, SOURCES, WINDOW_DETECTORS };

/** Every component, each once. */
export const REGISTRY: readonly AnyFactory[] = checked([
  ...SOURCES,
  ...PARSERS,
  ...WINDOW_DETECTORS,
  ...MODEL_DETECTORS,
  ...RESPONDERS,
] as unknown as AnyFactory[]);

/** The factory of one registered component, or undefined. */
export function factoryOf(kind: AnyFactory['kind'], type: string): AnyFactory | undefined {
  return REGISTRY.find((f) => f.kind === kind && f.type === type);
}
