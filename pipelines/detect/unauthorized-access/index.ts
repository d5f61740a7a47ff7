/** The unauthorized_access family: denial_burst and plaintext_in_mtls, under `detectors.unauthorized_access`. */
import type { Finding } from '../../core/finding.js';
import { found, type WindowContext, type WindowDetector } from '../detector.js';
import type { Factory } from '../../core/component.js';
import { UnauthorizedAccessConfig } from './config.js';
import { DENIAL_BURST, denialBurst } from './denial-burst.js';
import { PLAINTEXT_IN_MTLS, plaintextInMtls } from './plaintext-in-mtls.js';

export class UnauthorizedAccessDetector implements WindowDetector {
  readonly names = [DENIAL_BURST, PLAINTEXT_IN_MTLS];
  readonly kind = 'unauthorized_access' as const;

  constructor(private readonly config: UnauthorizedAccessConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.warmingUp) return found(undefined);
    const denials = denialBurst(ctx, this.config);
    const plaintext = plaintextInMtls(ctx, this.config);
    return denials !== undefined && plaintext !== undefined
      ? [denials, plaintext]
      : found(denials ?? plaintext);
  }
}

export const factory: Factory<'detector', typeof UnauthorizedAccessConfig, UnauthorizedAccessDetector> = {
  kind: 'detector',
  type: 'unauthorized_access',
  configSchema: UnauthorizedAccessConfig,
  create: (config) => new UnauthorizedAccessDetector(config),
};
