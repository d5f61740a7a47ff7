/**
 * Root config `detectors`: one section per window detector family, each declared in its own folder
 * (the section key is the family's factory type).
 */
import { Type, type Static } from '@sinclair/typebox';
import { DnsTunnelConfig } from './exfiltration/dns-tunnel/config.js';
import { ExfiltrationConfig } from './exfiltration/config.js';
import { LateralMovementConfig } from './lateral-movement/config.js';
import { RequestContentConfig } from './request-content/config.js';
import { ScanningConfig } from './scanning/config.js';
import { SlowAndLowConfig } from './slow-and-low/config.js';
import { UnauthorizedAccessConfig } from './unauthorized-access/config.js';

export const DetectorsConfig = Type.Object(
  {
    unauthorized_access: UnauthorizedAccessConfig,
    scanning: ScanningConfig,
    lateral_movement: LateralMovementConfig,
    exfiltration: ExfiltrationConfig,
    request_content: RequestContentConfig,
    dns_tunnel: DnsTunnelConfig,
    slow_and_low: SlowAndLowConfig,
  },
  { additionalProperties: false, default: {} },
);
export type DetectorsConfig = Static<typeof DetectorsConfig>;
