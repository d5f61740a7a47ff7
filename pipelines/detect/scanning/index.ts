/** The scanning family: not_found_burst, new_routes and connection_sweep, under `detectors.scanning`. */
import type { Finding } from '../../core/finding.js';
import type { Factory } from '../../core/component.js';
import { found, type WindowContext, type WindowDetector } from '../detector.js';
import { ScanningConfig } from './config.js';
import { NEW_ROUTES, NOT_FOUND_BURST, notFoundBurst } from './not-found-burst.js';
import { CONNECTION_SWEEP, connectionSweep } from './connection-sweep.js';

export class ScanningDetector implements WindowDetector {
  readonly names = [NOT_FOUND_BURST, NEW_ROUTES, CONNECTION_SWEEP];
  readonly kind = 'scanning' as const;

  constructor(private readonly config: ScanningConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.warmingUp) return found(undefined);
    const paths = notFoundBurst(ctx, this.config);
    const sweep = connectionSweep(ctx, this.config);
    return paths !== undefined && sweep !== undefined ? [sweep, paths] : found(sweep ?? paths);
  }
}

export const factory: Factory<'detector', typeof ScanningConfig, ScanningDetector> = {
  kind: 'detector',
  type: 'scanning',
  configSchema: ScanningConfig,
  create: (config) => new ScanningDetector(config),
};
