/**
 * The exfiltration family, under `detectors.exfiltration`: new external hosts receiving data
 * (new_external_upload, unregistered_egress, beaconing) and, when none does, in-mesh edges carrying
 * far more than their baseline (edge_volume_down, edge_volume_up) or one flow far above the edge's usual size (single_flow_volume). One finding per window at most.
 */
import type { Finding } from '../../core/finding.js';
import type { Factory } from '../../core/component.js';
import { found, type WindowContext, type WindowDetector } from '../detector.js';
import { ExfiltrationConfig } from './config.js';
import { EDGE_VOLUME_DOWN, EDGE_VOLUME_UP, edgeVolume } from './edge-volume.js';
import { SINGLE_FLOW_VOLUME, singleFlowVolume } from './single-flow.js';
import { BEACONING, NEW_EXTERNAL_UPLOAD, UNREGISTERED_EGRESS, newExternalHost } from './new-external-host.js';

export class ExfiltrationDetector implements WindowDetector {
  readonly names = [
    NEW_EXTERNAL_UPLOAD,
    UNREGISTERED_EGRESS,
    BEACONING,
    EDGE_VOLUME_DOWN,
    EDGE_VOLUME_UP,
    SINGLE_FLOW_VOLUME,
  ];
  readonly kind = 'exfiltration' as const;

  constructor(private readonly config: ExfiltrationConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.warmingUp) return found(undefined);
    // Edge volumes need the source's own baseline; external hosts are judged from the first contact.
    // The more certain of the findings names the window: an upload past a provisionally known host's
    // baseline must not hide a larger in-mesh read or a single outsized flow.
    const external = newExternalHost(ctx, this.config);
    if (ctx.learning) return found(external);
    // A new source has no volumes of its own yet, but one flow far above what its destination answers
    // everyone is news from the first window.
    const volume = ctx.newEntity ? undefined : edgeVolume(ctx, this.config);
    const flow = singleFlowVolume(ctx, this.config);
    const edge = volume === undefined || (flow !== undefined && flow.score > volume.score) ? flow : volume;
    return found(external && edge && edge.score > external.score ? edge : (external ?? edge));
  }
}

export const factory: Factory<'detector', typeof ExfiltrationConfig, ExfiltrationDetector> = {
  kind: 'detector',
  type: 'exfiltration',
  configSchema: ExfiltrationConfig,
  create: (config) => new ExfiltrationDetector(config),
};
