/**
 * unauthorized_access: bursts of 401/403 and Istio RBAC denials from one identity, judged against its own
 * denial rate and its peers'; and plaintext calls (no peer identity) into services that only ever see mTLS.
 */
import type { Finding } from '../../component.js';
import { binomialZ, zToProbability } from '../../features/stats.js';
import type { WindowContext, WindowDetector } from '../detector.js';

export class UnauthorizedAccessDetector implements WindowDetector {
  readonly name = 'denial_burst';
  readonly kind = 'unauthorized_access' as const;

  evaluate(ctx: WindowContext): Finding | undefined {
    const cfg = ctx.config.unauthorized_access;
    if (!cfg.enabled || ctx.warmingUp) return undefined;
    const w = ctx.window;
    const recent = ctx.state.deniedRecent + w.denied;
    // A burst in this window, or a slower trickle adding up over the last minute or so.
    const burst = w.denied >= cfg.min_denials;
    const trickle = recent >= cfg.min_denials * 2 && w.denied >= 2;
    if (!burst && !trickle) return undefined;
    const ratio = w.denied / w.requests;
    // Calls spread over never-called services that are only sometimes refused are lateral movement;
    // the lateral detector names that. Mostly-refused calls stay here (RBAC probing).
    let deniedOnNew = 0;
    let requestsToNew = 0;
    for (const d of ctx.newDestinations.concat(ctx.state.recentNewDestinations(ctx.endMs, 5 * 60_000))) {
      const e = w.edges.get(d);
      if (e === undefined) continue;
      deniedOnNew += e.denied;
      requestsToNew += e.requests;
    }
    if (!ctx.newEntity && deniedOnNew * 2 >= w.denied && deniedOnNew * 2 < requestsToNew) return undefined;
    // A busy workload probing a few services shows a small ratio but a huge surprise; require both a
    // visible share and a large multiple of the usual rate.
    if (ratio < 0.05) return undefined;
    const own = ctx.state.deniedRatio;
    const baseRatio = ctx.learning || ctx.newEntity || own.count < 3 ? ctx.peers.deniedRatio.mean : own.mean;
    if (ratio < 5 * Math.max(baseRatio, 0.005)) return undefined;
    const z = binomialZ(w.denied, w.requests, baseRatio);
    const score = zToProbability(z);
    if (score < cfg.threshold) return undefined;
    return {
      detector: this.name,
      kind: this.kind,
      entity: w.src,
      score,
      timeMs: ctx.endMs,
      firstEventMs: w.firstDeniedMs === Number.MAX_SAFE_INTEGER ? w.firstMs : w.firstDeniedMs,
      evidence: {
        denied: w.denied,
        rbac_denied: w.rbacDenied,
        requests: w.requests,
        denied_ratio: round(ratio),
        baseline_denied_ratio: round(baseRatio),
        baseline: ctx.learning || ctx.newEntity ? 'peers' : 'own',
        destinations_denied: [...w.edges].filter(([, e]) => e.denied > 0).map(([d]) => d).slice(0, 10),
        examples: w.deniedExamples,
      },
    };
  }
}

export class PlaintextDetector implements WindowDetector {
  readonly name = 'plaintext_in_mtls';
  readonly kind = 'unauthorized_access' as const;

  evaluate(ctx: WindowContext): Finding | undefined {
    const cfg = ctx.config.unauthorized_access;
    if (!cfg.enabled || ctx.warmingUp) return undefined;
    const w = ctx.window;
    if (w.plaintextInbound < 5) return undefined;
    const targets: string[] = [];
    let plaintextToStrict = 0;
    for (const [dst, e] of w.edges) {
      if (e.plaintext === 0) continue;
      const m = ctx.peers.destinationMtls.get(dst);
      // Only destinations that, so far, were reached over mTLS (almost) every time.
      if (m === undefined || m.mtls < 50 || m.plaintext > m.mtls * 0.01) continue;
      targets.push(dst);
      plaintextToStrict += e.plaintext;
    }
    if (plaintextToStrict < 5) return undefined;
    const score = 1 - 1 / (plaintextToStrict + 1) ** 2;
    if (score < cfg.threshold * 0.99) return undefined;
    return {
      detector: this.name,
      kind: this.kind,
      entity: w.src,
      score,
      timeMs: ctx.endMs,
      firstEventMs: w.firstMs,
      evidence: {
        plaintext_requests: plaintextToStrict,
        destinations: targets.slice(0, 10),
        note: 'requests without a peer identity into services that otherwise only receive mTLS',
      },
    };
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
