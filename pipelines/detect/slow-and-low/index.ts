/**
 * The slow_and_low family, under `detectors.slow_and_low`: attacks too slow for any one window (a
 * request every 2 to 60 s), found by accumulating narrow evidence across windows per source, at several
 * time scales: refusals (slow_denials, unauthorized_access), never-used routes that fail (slow_path_scan,
 * scanning), failed connections to never-used targets (slow_sweep, scanning) and TCP sessions that look
 * like login attempts (slow_session_guessing, unauthorized_access).
 */
import type { Factory } from '../../core/component.js';
import type { Finding } from '../../core/finding.js';
import type { IncidentKind } from '../../core/incident.js';
import { found, roundRatio, type WindowContext, type WindowDetector } from '../detector.js';
import { Accumulators, EVIDENCE_TYPES } from './accumulator.js';
import { SlowAndLowConfig } from './config.js';
import { windowEvidence, type WindowEvidence } from './evidence.js';
import { L4Share, seenAtL7 } from './l4-share.js';

export const SLOW_DENIALS = 'slow_denials';
export const SLOW_PATH_SCAN = 'slow_path_scan';
export const SLOW_SWEEP = 'slow_sweep';
export const SLOW_SESSION_GUESSING = 'slow_session_guessing';

/** Per evidence type (EVIDENCE_TYPES order): the detector name, the kind, and what the examples are. */
const TYPES: ReadonlyArray<{ name: string; kind: IncidentKind; what: string; examples: string }> = [
  { name: SLOW_DENIALS, kind: 'unauthorized_access', what: 'refused requests', examples: 'destinations' },
  { name: SLOW_PATH_SCAN, kind: 'scanning', what: 'failing never-used routes', examples: 'routes' },
  {
    name: SLOW_SWEEP,
    kind: 'scanning',
    what: 'failed connections to never-used targets',
    examples: 'targets',
  },
  {
    name: SLOW_SESSION_GUESSING,
    kind: 'unauthorized_access',
    what: 'short TCP sessions of one repeated exchange',
    examples: 'destinations',
  },
];

/**
 * Evidence gathered slowly stays below what a burst detector reports (medium severity alone): when a
 * fast detector fires on the same window, its finding names the incident and its kind.
 */
const MAX_SCORE = 0.9995;

interface Advance {
  ctx: WindowContext;
  next: number[] | undefined;
  evidence: WindowEvidence;
}

export class SlowAndLowDetector implements WindowDetector {
  readonly names = TYPES.map((t) => t.name);
  readonly kind = 'unauthorized_access' as const;
  readonly otherKinds = ['scanning'] as const;
  private readonly acc: Accumulators;
  /** The last window advanced: evaluate and commit of one closed window share the work. */
  private last: Advance | undefined;

  /** The longest scale: an edge younger than this is not its own baseline. */
  private readonly matureMs: number;
  /** How much of the mesh is seen only at L4 (judging plain TCP sessions on new edges). */
  private readonly l4 = new L4Share();

  constructor(private readonly config: SlowAndLowConfig) {
    this.matureMs = Math.max(...config.scales.map((s) => s.horizon_secs)) * 1000;
    this.acc = new Accumulators(
      config.scales.map((s) => ({ horizonSecs: s.horizon_secs, minEvents: s.min_events })),
      config.decision_llr,
    );
  }

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.judged(ctx)) return found(undefined);
    const { next, evidence } = this.advance(ctx);
    if (next === undefined) return found(undefined);
    const findings: Finding[] = [];
    EVIDENCE_TYPES.forEach((_, t) => {
      const { scale, llr } = this.acc.strongest(next, t);
      // 0.99 at the decision, each further nat dividing the remaining doubt by e, up to MAX_SCORE.
      const score = Math.min(MAX_SCORE, 1 - 0.01 * Math.exp(this.acc.decision - llr));
      if (score < this.config.threshold) return;
      findings.push(this.finding(ctx, t, scale, llr, score, next, evidence));
    });
    return findings.length > 1 ? findings : found(findings[0]);
  }

  commit(ctx: WindowContext): void {
    if (this.config.enabled) this.l4.observe(ctx.window);
    if (this.judged(ctx)) ctx.state.accumulators = this.advance(ctx).next;
  }

  /** Sources still learning their baseline (and the whole pipeline warming up) accumulate nothing. */
  private judged(ctx: WindowContext): boolean {
    return this.config.enabled && !ctx.warmingUp && !ctx.learning;
  }

  private advance(ctx: WindowContext): Advance {
    if (this.last?.ctx === ctx) return this.last;
    const prev = ctx.state.accumulators;
    const working = this.acc.fits(prev) ? prev.slice() : this.acc.empty();
    // A source seen at L7, or in a mesh seen mostly behind sidecars, opens plain TCP sessions on
    // purpose; one seen only at L4 in a mesh seen at L4 shows every new dependency's calls as sessions.
    const newTcpEdgesJudged = seenAtL7(ctx.window) || !this.l4.mostlyL4;
    const evidence = windowEvidence(ctx, working, this.matureMs, newTcpEdgesJudged);
    const windowSecs = (ctx.endMs - ctx.startMs) / 1000;
    const next = this.acc.step(working, evidence.observations, ctx.endMs, windowSecs);
    this.last = { ctx, next, evidence };
    return this.last;
  }

  private finding(
    ctx: WindowContext,
    t: number,
    scale: number,
    llr: number,
    score: number,
    values: readonly number[],
    evidence: WindowEvidence,
  ): Finding {
    const type = TYPES[t]!;
    const firstMs = this.acc.firstMs(values, t);
    const events = this.acc.events(values, t);
    const minutes = Math.max(1, Math.round((ctx.endMs - firstMs) / 60_000));
    const o = evidence.observations[t]!;
    return {
      detector: type.name,
      kind: type.kind,
      entity: ctx.window.src,
      score,
      timeMs: ctx.endMs,
      firstEventMs: firstMs,
      evidence: {
        summary: `${events} ${type.what} in about ${minutes} min, more than this source's baseline explains`,
        evidence_type: EVIDENCE_TYPES[t],
        events,
        since: new Date(firstMs).toISOString(),
        decided_at_scale_secs: this.acc.scales[scale]!.horizonSecs,
        log_likelihood_ratio: roundRatio(llr),
        window_count: o.count,
        window_expected: roundRatio(o.expected),
        baseline: ctx.newEntity ? 'peers' : 'own',
        [type.examples]: evidence.examples[t],
      },
    };
  }
}

export const factory: Factory<'detector', typeof SlowAndLowConfig, SlowAndLowDetector> = {
  kind: 'detector',
  type: 'slow_and_low',
  configSchema: SlowAndLowConfig,
  create: (config) => new SlowAndLowDetector(config),
};
