/**
 * The DNS-tunnel family, under `detectors.dns_tunnel`: data leaving in DNS query names (Hubble DNS flows).
 * Judged from the first window: a tunnel needs no baseline to look like one.
 */
import type { Factory } from '../../../core/component.js';
import type { Finding } from '../../../core/finding.js';
import { found, type WindowContext, type WindowDetector } from '../../detector.js';
import { DnsTunnelConfig } from './config.js';
import { DNS_TUNNEL, dnsTunnel } from './dns-tunnel.js';

export class DnsTunnelDetector implements WindowDetector {
  readonly names = [DNS_TUNNEL];
  readonly kind = 'exfiltration' as const;

  constructor(private readonly config: DnsTunnelConfig) {}

  evaluate(ctx: WindowContext): readonly Finding[] {
    if (!this.config.enabled || ctx.warmingUp) return found(undefined);
    return found(dnsTunnel(ctx, this.config));
  }
}

export const factory: Factory<'detector', typeof DnsTunnelConfig, DnsTunnelDetector> = {
  kind: 'detector',
  type: 'dns_tunnel',
  configSchema: DnsTunnelConfig,
  create: (config) => new DnsTunnelDetector(config),
};
