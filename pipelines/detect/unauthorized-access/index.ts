/** The unauthorized_access family: denial_burst, plaintext_in_mtls and session_burst, under `detectors.unauthorized_access`. */
import type { Finding } from '../../core/finding.js';
import { found, type WindowContext, type WindowDetector } from '../detector.js';
import type { Factory } from '../../core/component.js';
import { UnauthorizedAccessConfig } from './config.js';
import { DENIAL_BURST, denialBurst } from './denial-burst.js';
import { PLAINTEXT_IN_MTLS, plaintextInMtls } from './plaintext-in-mtls.js';
import { SESSION_BURST, sessionBurst } from './session-burst.js';

export class UnauthorizedAccessDetector implements WindowDetector {
  readonly names = [DENIAL_BURST, PLAINTEXT_IN_MTLS, SESSION_BURST];
  readonly kind = 'unauthorized_access' as const;

  constructor(private readonly config: UnauthorizedAccessConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.warmingUp) return found(undefined);
    const findings = [
      denialBurst(ctx, this.config),
      plaintextInMtls(ctx, this.config),
      sessionBurst(ctx, this.config),
    ].filter((f): f is Finding => f !== undefined);
    return findings.length > 1 ? findings : found(findings[0]);
  }
}

export const factory: Factory<'detector', typeof UnauthorizedAccessConfig, UnauthorizedAccessDetector> = {
  kind: 'detector',
  type: 'unauthorized_access',
  configSchema: UnauthorizedAccessConfig,
  create: (config) => new UnauthorizedAccessDetector(config),
};
