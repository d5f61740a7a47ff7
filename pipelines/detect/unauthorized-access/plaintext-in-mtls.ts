/** plaintext_in_mtls: plaintext calls (no peer identity) into services that only ever see mTLS. */
import type { Finding } from '../../core/finding.js';
import type { WindowContext } from '../detector.js';
import type { UnauthorizedAccessConfig } from './config.js';

export const PLAINTEXT_IN_MTLS = 'plaintext_in_mtls';

export function plaintextInMtls(ctx: WindowContext, cfg: UnauthorizedAccessConfig): Finding | undefined {
  const w = ctx.window;
  if (w.plaintextInbound < 5) return undefined;
  const targets: string[] = [];
  let plaintextToStrict = 0;
  for (const [dst, e] of w.edges) {
    if (e.plaintext === 0) continue;
    // Only destinations that, so far, were reached over mTLS (almost) every time; one seen too
    // rarely to judge alone is judged by the whole mesh.
    const own = ctx.peers.destinationMtls.get(dst);
    const m = own !== undefined && own.mtls + own.plaintext >= 20 ? own : ctx.peers.meshMtls;
    if (m.mtls < 20 || m.plaintext > m.mtls * 0.01) continue;
    targets.push(dst);
    plaintextToStrict += e.plaintext;
  }
  if (plaintextToStrict < 5) return undefined;
  const score = 1 - 0.005 / plaintextToStrict;
  if (score < cfg.threshold) return undefined;
  return {
    detector: PLAINTEXT_IN_MTLS,
    kind: 'unauthorized_access',
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
