/** What the detectors are given for one source in one window: read from the state, changing nothing. */
import type { EntityState } from '../features/entity-state.js';
import { pathTemplate } from '../features/path-template.js';
import type { ClosedWindow, SourceWindow } from '../features/window.js';
import type { PeerBaselines, SensitiveCall, WindowContext } from '../detect/detector.js';
import type { Finding } from '../core/finding.js';
import { workloadRow } from '../features/row.js';

/** Where the whole pipeline is in its warm-up. */
export interface WarmUp {
  /** Event time of the first event the pipeline saw. */
  firstEventMs: number;
  learningMs: number;
}

export function windowContext(
  cw: ClosedWindow,
  sw: SourceWindow,
  state: EntityState,
  sensitiveCalls: SensitiveCall[],
  peers: PeerBaselines,
  warmUp: WarmUp,
): WindowContext {
  // The process warms up once, but an entity whose baseline moved here from another replica (or was
  // learned before) does not wait for it.
  const processWarmingUp = cw.endMs - warmUp.firstEventMs < warmUp.learningMs;
  const learning = state.isLearning(cw.endMs, warmUp.learningMs);
  const newEntity =
    !processWarmingUp && state.firstSeenMs - warmUp.firstEventMs >= warmUp.learningMs && learning;

  const newDestinations: string[] = [];
  for (const dst of sw.edges.keys()) if (!state.knowsDestination(dst)) newDestinations.push(dst);
  let newRoutes: WindowContext['newRoutes'] | undefined;
  return {
    startMs: cw.startMs,
    endMs: cw.endMs,
    window: sw,
    state,
    learning: learning && !newEntity,
    newEntity,
    warmingUp: processWarmingUp && learning,
    peers,
    // Templating every distinct path is the costliest part of a context: done when first asked for.
    get newRoutes() {
      return (newRoutes ??= newRoutesOf(state, sw));
    },
    newDestinations,
    sensitiveCalls,
  };
}

/** Route templates of this window the source never used before, and whether their requests mostly failed. */
function newRoutesOf(state: EntityState, sw: SourceWindow): WindowContext['newRoutes'] {
  const routes: WindowContext['newRoutes'] = [];
  const seenTemplates = new Set<string>();
  for (const [path, count] of sw.paths) {
    const t = pathTemplate(path);
    if (state.knowsTemplate(t) || seenTemplates.has(t)) continue;
    seenTemplates.add(t);
    routes.push({ template: t, failing: (sw.pathErrors.get(path) ?? 0) * 2 >= count });
  }
  return routes;
}

/** Receives the feature rows of every source in a closed window (the neural model) and may return findings. */
export type FeatureHook = (
  rows: ReadonlyArray<{ entity: string; row: number[]; endMs: number; firstMs: number }>,
) => Finding[];

/** The feature rows of the window to the onFeatures hook (the neural model); its findings by source. */
export function featureFindings(
  onFeatures: FeatureHook | undefined,
  cw: ClosedWindow,
  contexts: readonly WindowContext[],
): Map<string, Finding[]> {
  const bySource = new Map<string, Finding[]>();
  if (onFeatures === undefined) return bySource;
  const rows = contexts.map((c) => ({
    entity: c.window.src,
    row: workloadRow(c.window, c.newDestinations.length, c.newRoutes.length),
    endMs: cw.endMs,
    firstMs: c.window.firstMs,
  }));
  for (const f of onFeatures(rows)) {
    const list = bySource.get(f.entity) ?? [];
    list.push(f);
    bySource.set(f.entity, list);
  }
  return bySource;
}
