/** The lateral_movement family: new_destinations and sensitive_destination, under `detectors.lateral_movement`. */
import type { Finding } from '../../core/finding.js';
import type { Factory } from '../../core/component.js';
import { found, type WindowContext, type WindowDetector } from '../detector.js';
import { LateralMovementConfig } from './config.js';
import { NEW_DESTINATIONS, SENSITIVE_DESTINATION, newDestinations } from './new-destinations.js';

export class LateralMovementDetector implements WindowDetector {
  readonly names = [NEW_DESTINATIONS, SENSITIVE_DESTINATION];
  readonly kind = 'lateral_movement' as const;

  constructor(private readonly config: LateralMovementConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.learning || ctx.warmingUp) return found(undefined);
    return found(newDestinations(ctx, this.config));
  }
}

export const factory: Factory<'detector', typeof LateralMovementConfig, LateralMovementDetector> = {
  kind: 'detector',
  type: 'lateral_movement',
  configSchema: LateralMovementConfig,
  create: (config) => new LateralMovementDetector(config),
};
